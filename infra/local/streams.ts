import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { tableName } from '../../functions/shared/wiring';
import { log } from '../../functions/shared/adapters/log';
import { aggregatesTable } from '../../functions/opendata/wiring';
import { lambdaContext, loadHandler } from './gateway';

/**
 * The local stand-in for Lambda's DynamoDB event source mapping: follows every shard of a table's
 * stream in DynamoDB Local (the Payments table's for the aggregator; the local stack runs more
 * pollers for the webhook source: Payments again, and the Webhooks outbox) and hands the consumer
 * real DynamoDBStreamEvent batches, as Lambda would. Like Lambda, a batch whose handler throws is retried (the shard does
 * not advance), so a record is delivered at least once; the aggregator's markers make that exactly once.
 */
export type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<unknown>;

export interface StreamPoller {
  streamArn: string;
  /** Resolves once a full pass over every shard, begun after the call, found no new records. */
  drained(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
  readonly stats: { batches: number; records: number; failures: number; shards: number };
}

export interface StreamPollerOptions {
  endpoint: string;
  table?: string;
  /** Defaults to the aggregator, loaded the way the local gateway loads handlers. */
  handler?: StreamHandler;
  /** The consuming function's name, for its Lambda context (default `aggregator`). */
  fn?: string;
  batchSize?: number;
  idleMs?: number;
  region?: string;
}

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

function toLambdaRecord(r: StreamRecord, streamArn: string, region: string): DynamoDBRecord {
  const d = r.dynamodb ?? {};
  return {
    eventID: r.eventID,
    eventName: r.eventName as DynamoDBRecord['eventName'],
    eventVersion: r.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: r.awsRegion ?? region,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(d as unknown as NonNullable<DynamoDBRecord['dynamodb']>),
      // Lambda sends epoch seconds; the SDK parses the emulator's value into a Date.
      ApproximateCreationDateTime: d.ApproximateCreationDateTime
        ? Math.floor(d.ApproximateCreationDateTime.getTime() / 1000)
        : undefined,
    },
  };
}

export async function startStreamPoller(opts: StreamPollerOptions): Promise<StreamPoller> {
  const region = opts.region ?? 'local';
  const table = opts.table ?? tableName('Payments');
  const ddbClient = new DynamoDBClient({ endpoint: opts.endpoint, region, credentials });
  const streams = new DynamoDBStreamsClient({ endpoint: opts.endpoint, region, credentials });
  const described = await ddbClient.send(new DescribeTableCommand({ TableName: table }));
  ddbClient.destroy();
  const streamArn = described.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`Table ${table} has no stream`);
  const handler: StreamHandler = opts.handler ?? ((await loadHandler('aggregator')) as StreamHandler);
  const batchSize = opts.batchSize ?? 100;
  const idleMs = opts.idleMs ?? 200;

  /** shardId → next iterator (undefined once the shard is closed and read to its end). */
  const iterators = new Map<string, string | undefined>();
  const lastSequence = new Map<string, string>();
  const stats = { batches: 0, records: 0, failures: 0, shards: 0 };
  let stopping = false;
  let wake: (() => void) | undefined;
  let passes = 0;
  const waiters: { afterPass: number; resolve: () => void }[] = [];

  async function discoverShards(): Promise<void> {
    let start: string | undefined;
    do {
      const r = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }));
      for (const s of r.StreamDescription?.Shards ?? []) {
        if (!s.ShardId || iterators.has(s.ShardId)) continue;
        const it = await streams.send(
          new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: s.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
        );
        iterators.set(s.ShardId, it.ShardIterator);
        stats.shards++;
      }
      start = r.StreamDescription?.LastEvaluatedShardId;
    } while (start);
  }

  async function reopen(shardId: string): Promise<void> {
    const after = lastSequence.get(shardId);
    const it = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    iterators.set(shardId, it.ShardIterator);
  }

  /** Reads each open shard once; how many records were delivered, and how many batches failed. */
  async function pass(): Promise<{ delivered: number; failed: number }> {
    let delivered = 0;
    let failed = 0;
    for (const [shardId, iterator] of iterators) {
      if (!iterator || stopping) continue;
      let page: GetRecordsCommandOutput;
      try {
        page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize }));
      } catch (e) {
        if (e instanceof ExpiredIteratorException || e instanceof TrimmedDataAccessException) {
          await reopen(shardId);
          continue;
        }
        throw e;
      }
      const records = page.Records ?? [];
      if (records.length) {
        const event: DynamoDBStreamEvent = { Records: records.map((r) => toLambdaRecord(r, streamArn!, region)) };
        try {
          // Like Lambda with ReportBatchItemFailures: a reported failure retries the batch (from its start
          // here; the aggregator's run markers and the webhook source's idempotent puts skip what was applied).
          const response = (await handler(event, lambdaContext(opts.fn ?? 'aggregator'))) as
            | { batchItemFailures?: unknown[] }
            | undefined;
          if (response?.batchItemFailures?.length) throw new Error('batch item failures reported');
        } catch (e) {
          // Like Lambda: retry the same batch later; the shard does not advance past it.
          stats.failures++;
          failed++;
          log('warn', 'stream batch failed; will retry', { shardId, error: e instanceof Error ? e.name : 'unknown' });
          continue;
        }
        stats.batches++;
        stats.records += records.length;
        delivered += records.length;
        lastSequence.set(shardId, records.at(-1)!.dynamodb!.SequenceNumber!);
      }
      iterators.set(shardId, page.NextShardIterator);
    }
    return { delivered, failed };
  }

  const loop = (async () => {
    let sinceDiscovery = Number.POSITIVE_INFINITY;
    while (!stopping) {
      let delivered = 0;
      let failed = 0;
      try {
        if (sinceDiscovery > 10) {
          await discoverShards();
          sinceDiscovery = 0;
        }
        sinceDiscovery++;
        const startedPass = passes;
        ({ delivered, failed } = await pass());
        passes++;
        if (delivered === 0 && failed === 0)
          for (let i = waiters.length - 1; i >= 0; i--)
            if (waiters[i]!.afterPass <= startedPass) {
              waiters[i]!.resolve();
              waiters.splice(i, 1);
            }
      } catch (e) {
        if (stopping) break;
        log('warn', 'stream poller error', { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
      }
      if (delivered === 0 && !stopping)
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, idleMs);
        });
    }
  })();

  return {
    streamArn,
    stats,
    drained: (timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`stream not drained within ${timeoutMs} ms`)), timeoutMs);
        // A pass that starts after this call, since a running pass may have missed newer writes.
        waiters.push({
          afterPass: passes + 1,
          resolve: () => {
            clearTimeout(t);
            resolve();
          },
        });
        wake?.();
      }),
    stop: async () => {
      stopping = true;
      wake?.();
      await loop;
      streams.destroy();
    },
  };
}

/**
 * For processes that do not own the poller (test workers, scripts): waits until the aggregator has
 * applied the given records, by their markers (written in the same transaction as the counters).
 */
export async function waitForAggregation(recordKeys: string[], timeoutMs = 30_000): Promise<void> {
  const store = aggregatesTable();
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(recordKeys);
  while (pending.size) {
    for (const key of await store.appliedOf([...pending])) pending.delete(key);
    if (!pending.size) return;
    if (Date.now() > deadline)
      throw new Error(`${pending.size} records not aggregated within ${timeoutMs} ms, e.g. ${[...pending][0]}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
