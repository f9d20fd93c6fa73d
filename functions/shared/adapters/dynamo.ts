import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';

/**
 * The DynamoDB toolkit every adapter uses: the document client, paging, key stripping and the
 * reading of a cancelled transaction. Each is written here once; an adapter that needs a loop over
 * LastEvaluatedKey or a look at CancellationReasons calls these.
 */

/** What adapters take instead of a concrete client, so tests can wrap `send` (to inject a failure). */
export type DocClient = Pick<DynamoDBDocumentClient, 'send'>;
export type Item = Record<string, unknown>;
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A document client; `endpoint` points at DynamoDB Local (with its dummy credentials). */
export function createDocClient(opts: { endpoint?: string; region?: string }): DynamoDBDocumentClient {
  const base = new DynamoDBClient(
    opts.endpoint
      ? {
          endpoint: opts.endpoint,
          region: opts.region ?? 'local',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {},
  );
  return DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
}

/** One page of a query and the key it ended at (undefined when the query is exhausted). */
export async function queryPage(
  client: DocClient,
  input: QueryCommandInput,
): Promise<{ items: Item[]; lastKey: Item | undefined }> {
  const r = await client.send(new QueryCommand(input));
  return { items: r.Items ?? [], lastKey: r.LastEvaluatedKey };
}

/** Every page of a query, one array of items at a time, following LastEvaluatedKey to the end. */
export async function* queryPages(client: DocClient, input: QueryCommandInput): AsyncGenerator<Item[]> {
  let ExclusiveStartKey: Item | undefined = input.ExclusiveStartKey;
  do {
    const page = await queryPage(client, { ...input, ExclusiveStartKey });
    ExclusiveStartKey = page.lastKey;
    yield page.items;
  } while (ExclusiveStartKey);
}

/** Puts `item` if no item has its key: true if it did, false if one had (any other failure is thrown). */
export async function putIfNew(client: DocClient, table: string, item: Item): Promise<boolean> {
  try {
    await client.send(
      new PutCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false;
    throw e;
  }
}

/** Every item of a query. Only for partitions known to be small (a catalog, a day shard). */
export async function queryAll(client: DocClient, input: QueryCommandInput): Promise<Item[]> {
  const out: Item[] = [];
  for await (const page of queryPages(client, input)) out.push(...page);
  return out;
}

const BATCH_GET_MAX = 100;

/** Gets items by key from one table, 100 keys a request, retrying unprocessed keys a bounded number of times. */
export async function batchGetAll(
  client: DocClient,
  table: string,
  keys: readonly Item[],
  opts: { consistent?: boolean } = {},
): Promise<Item[]> {
  const out: Item[] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_MAX) {
    let pending: Item[] = keys.slice(i, i + BATCH_GET_MAX);
    for (let round = 0; pending.length > 0; round++) {
      if (round > 8) throw new Error('BatchGet kept returning unprocessed keys');
      const r = await client.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: opts.consistent } } }),
      );
      out.push(...(r.Responses?.[table] ?? []));
      pending = (r.UnprocessedKeys?.[table]?.Keys as Item[] | undefined) ?? [];
      if (pending.length > 0) await sleep(Math.min(200, 10 * 2 ** round));
    }
  }
  return out;
}

const BATCH_WRITE_MAX = 25;

/**
 * Puts or deletes (BatchWriteItem requests: `{ PutRequest }` / `{ DeleteRequest }`) 25 at a time,
 * `concurrency` batches in flight, retrying unprocessed items with capped backoff a bounded number
 * of times (DynamoDB returns them under throttling; giving up beats spinning forever).
 */
export async function batchWriteAll(
  client: DocClient,
  table: string,
  requests: readonly Item[],
  opts: { concurrency?: number } = {},
): Promise<void> {
  const batches: Item[][] = [];
  for (let i = 0; i < requests.length; i += BATCH_WRITE_MAX) batches.push(requests.slice(i, i + BATCH_WRITE_MAX));
  let next = 0;
  const writer = async () => {
    while (next < batches.length) {
      let pending = batches[next++]!;
      for (let round = 0; pending.length > 0; round++) {
        if (round > 12) throw new Error('BatchWrite kept returning unprocessed items');
        if (round > 0) await sleep(Math.min(1000, 20 * 2 ** round));
        const r = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        pending = (r.UnprocessedItems?.[table] as Item[] | undefined) ?? [];
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 1) }, writer));
}

/** The table's key attributes (pk, sk and every gsiN key), which never belong to a domain record. */
const KEY_ATTRIBUTE = /^(pk|sk|gsi\d+pk|gsi\d+sk)$/;

/** The record without the table's key attributes (and without `also`, e.g. a TTL attribute). */
export function stripKeys<T = Item>(item: Item, ...also: string[]): T {
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) if (!KEY_ATTRIBUTE.test(k) && !also.includes(k)) out[k] = v;
  return out as T;
}

/**
 * Why a TransactWriteItems was cancelled: one code per item, in the order sent (`None` where that
 * item was fine). Undefined when `e` is not a cancellation.
 */
export function cancellationCodes(e: unknown): string[] | undefined {
  if (!(e instanceof TransactionCanceledException)) return undefined;
  return (e.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
}

export const CONDITION_FAILED = 'ConditionalCheckFailed';

/**
 * A cancellation another attempt may get past: a concurrent transaction on the same items, or
 * throttling. (DynamoDB also throws TransactionConflictException outside a cancellation.)
 */
export function isTransient(e: unknown): boolean {
  if (e instanceof Error && e.name === 'TransactionConflictException') return true;
  const codes = cancellationCodes(e);
  return (
    codes !== undefined &&
    !codes.includes(CONDITION_FAILED) &&
    codes.some((c) => c === 'TransactionConflict' || c === 'ThrottlingError' || c === 'ProvisionedThroughputExceeded')
  );
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
