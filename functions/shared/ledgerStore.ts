import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../infra/tables';
import { ddb, type DocClient } from './ddb';
import type { LedgerTransaction } from './ledger';

/**
 * How ledger transactions live in the Ledger table. Written only inside TransactWriteItems built
 * from `postTransactionItems`, so a transaction lands together with whatever caused it, or not at all.
 *
 * - transaction: pk `TX#<id>`, sk `TX`; gsi1pk `DAY#<businessDate>#<shard>`, gsi1sk `<createdAt>#<id>`.
 *   The day is spread over DAY_SHARDS index partitions (shard from the id's hash): no hot key.
 * - day-open guard: pk `DAYCLOSE#<businessDate>#<shard>`, sk `CLOSE`. Day close writes all
 *   DAY_SHARDS guards first; every posting condition-checks the absent guard of its own shard, so a
 *   posting into a closed day fails atomically while no single item sees every posting.
 * - day registry: pk `DAYS`, sk `<businessDate>`: written once per process per day (not per
 *   posting), so reports can enumerate business days without a scan.
 * - day proof (after close): pk `DAYPROOF#<businessDate>`, sk `PROOF`.
 */
export const DAY_SHARDS = 16;

export const shardOf = (id: string): number => createHash('sha256').update(id).digest()[0]! % DAY_SHARDS;
const pad = (n: number) => String(n).padStart(2, '0');

export const ledgerKeys = {
  transaction: (id: string) => ({ pk: `TX#${id}`, sk: 'TX' }),
  dayShard: (date: string, shard: number) => `DAY#${date}#${pad(shard)}`,
  dayGuard: (date: string, shard: number) => ({ pk: `DAYCLOSE#${date}#${pad(shard)}`, sk: 'CLOSE' }),
  dayRegistry: (date: string) => ({ pk: 'DAYS', sk: date }),
  dayProof: (date: string) => ({ pk: `DAYPROOF#${date}`, sk: 'PROOF' }),
};

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * The TransactWriteItems entries that post one ledger transaction: the put (conditional on the id
 * being new: an id is the idempotency key of the posting) and the day-open check of its shard.
 */
export function postTransactionItems(tx: LedgerTransaction): TransactItem[] {
  const table = tableName('Ledger');
  const shard = shardOf(tx.id);
  return [
    {
      Put: {
        TableName: table,
        Item: {
          ...ledgerKeys.transaction(tx.id),
          gsi1pk: ledgerKeys.dayShard(tx.businessDate, shard),
          gsi1sk: `${tx.createdAt}#${tx.id}`,
          ...tx,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      ConditionCheck: {
        TableName: table,
        Key: ledgerKeys.dayGuard(tx.businessDate, shard),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  ];
}

/** Index of the day-guard ConditionCheck within postTransactionItems' output (for cancellation reasons). */
export const DAY_GUARD_OFFSET = 1;

const registered = new Set<string>();

/** Records that a business day has postings; idempotent, and once per process per day. */
export async function registerBusinessDay(date: string, client: DocClient = ddb()): Promise<void> {
  if (registered.has(date)) return;
  await client.send(new PutCommand({ TableName: tableName('Ledger'), Item: { ...ledgerKeys.dayRegistry(date), date } }));
  registered.add(date);
}

export async function businessDays(upTo?: string): Promise<string[]> {
  const days: string[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const r = await ddb().send(
      new QueryCommand({
        TableName: tableName('Ledger'),
        KeyConditionExpression: upTo ? 'pk = :pk AND sk <= :d' : 'pk = :pk',
        ExpressionAttributeValues: upTo ? { ':pk': 'DAYS', ':d': upTo } : { ':pk': 'DAYS' },
        ExclusiveStartKey,
      }),
    );
    for (const i of r.Items ?? []) days.push(i.sk as string);
    ExclusiveStartKey = r.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return days;
}

const stripKeys = (i: Record<string, unknown>): LedgerTransaction => {
  const { pk: _a, sk: _b, gsi1pk: _c, gsi1sk: _d, ...tx } = i;
  return tx as unknown as LedgerTransaction;
};

/** Every transaction of one business day, across all shards, ordered by createdAt then id. */
export async function transactionsOfDay(date: string): Promise<LedgerTransaction[]> {
  const perShard = await Promise.all(
    Array.from({ length: DAY_SHARDS }, async (_, shard) => {
      const out: LedgerTransaction[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const r = await ddb().send(
          new QueryCommand({
            TableName: tableName('Ledger'),
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :p',
            ExpressionAttributeValues: { ':p': ledgerKeys.dayShard(date, shard) },
            ExclusiveStartKey,
          }),
        );
        for (const i of r.Items ?? []) out.push(stripKeys(i));
        ExclusiveStartKey = r.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return out;
    }),
  );
  return perShard.flat().sort((a, b) => (a.createdAt === b.createdAt ? a.id.localeCompare(b.id) : a.createdAt.localeCompare(b.createdAt)));
}

export async function getTransaction(id: string): Promise<LedgerTransaction | undefined> {
  const r = await ddb().send(new GetCommand({ TableName: tableName('Ledger'), Key: ledgerKeys.transaction(id), ConsistentRead: true }));
  return r.Item ? stripKeys(r.Item) : undefined;
}
