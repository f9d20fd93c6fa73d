import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, QueryCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../shared/wiring';
import { documentClient as ddb } from '../../shared/wiring';
import { AGGREGATE_SHARDS, addCounters, type AggregateStore, type AggregatedRecord, type Counters } from '../domain/aggregation';

/**
 * Aggregates in the OpenData table:
 * - counters: pk `AGG#<month>#<shard>`, sk `<cell>` (MC#…, DC#…, NT#…); numeric attributes added with ADD.
 * - month index: pk `AGGIDX#<shard>`, sk `<month>`: lets the publisher enumerate months without a scan;
 *   sharded like the counters, so it is no hotter than they are.
 * - applied-record marker: pk `APPLIED#<record key>`, sk `APPLIED`, put only if absent in the same
 *   TransactWriteItems as the counters: a re-delivered record fails the condition and adds nothing.
 *   Markers expire after MARKER_TTL_DAYS (far beyond the stream's 24-hour retention).
 */
const pad = (n: number) => String(n).padStart(2, '0');
export const aggregateKeys = {
  counter: (month: string, shard: number, cell: string) => ({ pk: `AGG#${month}#${pad(shard)}`, sk: cell }),
  monthIndex: (shard: number, month: string) => ({ pk: `AGGIDX#${pad(shard)}`, sk: month }),
  marker: (key: string) => ({ pk: `APPLIED#${key}`, sk: 'APPLIED' }),
};
const MARKER_TTL_DAYS = 30;
/** TransactWriteItems takes at most 100 items; a record with more cells is applied in parts, each with its own marker. */
const MAX_TRANSACT_ITEMS = 100;

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export class DynamoAggregateStore implements AggregateStore {
  /** Raw item writes performed (counters, index entries and markers); the benchmark reports it. */
  itemWrites = 0;

  constructor(private readonly table: string = tableName('OpenData')) {}

  /** The transactions one record needs: its counters, its months' index entries, and a marker per part. */
  transactionsOf(record: AggregatedRecord, nowMs = Date.now()): TransactItem[][] {
    const expiresAt = Math.floor(nowMs / 1000) + MARKER_TTL_DAYS * 86_400;
    const updates: TransactItem[] = record.contributions.map((c) => {
      const names: Record<string, string> = {};
      const values: Record<string, number> = {};
      const adds = Object.entries(c.add).map(([k, v], i) => {
        names[`#a${i}`] = k;
        values[`:a${i}`] = v;
        return `#a${i} :a${i}`;
      });
      return {
        Update: {
          TableName: this.table,
          Key: aggregateKeys.counter(c.month, c.shard, c.cell),
          UpdateExpression: `ADD ${adds.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      };
    });
    const months = new Map<string, number>();
    for (const c of record.contributions) months.set(c.month, c.shard);
    for (const [month, shard] of months)
      updates.push({ Put: { TableName: this.table, Item: { ...aggregateKeys.monthIndex(shard, month), month } } });

    const perPart = MAX_TRANSACT_ITEMS - 1;
    const parts: TransactItem[][] = [];
    for (let i = 0; i < updates.length || i === 0; i += perPart) {
      const key = updates.length <= perPart ? record.key : `${record.key}#part${i / perPart}`;
      parts.push([
        { Put: { TableName: this.table, Item: { ...aggregateKeys.marker(key), expiresAt }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ...updates.slice(i, i + perPart),
      ]);
    }
    return parts;
  }

  async applyOnce(record: AggregatedRecord): Promise<boolean> {
    let applied = false;
    for (const items of this.transactionsOf(record)) if (await this.transact(items)) applied = true;
    return applied;
  }

  /** True when applied, false when the marker already existed; retries transaction conflicts. */
  private async transact(items: TransactItem[]): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await ddb().send(new TransactWriteCommand({ TransactItems: items }));
        this.itemWrites += items.length;
        return true;
      } catch (e) {
        if (!(e instanceof TransactionCanceledException)) throw e;
        const reasons = e.CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') return false;
        const retryable = reasons.some((r) => r.Code === 'TransactionConflict' || r.Code === 'ThrottlingError' || r.Code === 'ProvisionedThroughputExceeded');
        if (!retryable || attempt >= 8) throw e;
        await new Promise((r) => setTimeout(r, Math.random() * 20 * 2 ** attempt));
      }
    }
  }

  async appliedAmong(keys: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += 100) {
      let request: Record<string, unknown>[] = unique.slice(i, i + 100).map((k) => aggregateKeys.marker(k));
      for (let attempt = 0; request.length; attempt++) {
        const r = await ddb().send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: request, ProjectionExpression: 'pk' } } }));
        for (const item of r.Responses?.[this.table] ?? []) found.add((item.pk as string).slice('APPLIED#'.length));
        request = (r.UnprocessedKeys?.[this.table]?.Keys ?? []) as Record<string, unknown>[];
        if (request.length) await new Promise((ok) => setTimeout(ok, Math.min(500, 20 * 2 ** attempt)));
      }
    }
    return found;
  }

  async isApplied(recordKey: string): Promise<boolean> {
    const r = await ddb().send(new GetCommand({ TableName: this.table, Key: aggregateKeys.marker(recordKey) }));
    return r.Item !== undefined;
  }

  async months(): Promise<string[]> {
    const all = new Set<string>();
    await Promise.all(
      Array.from({ length: AGGREGATE_SHARDS }, async (_, shard) => {
        for (const i of await this.queryAll(aggregateKeys.monthIndex(shard, '').pk)) all.add(i.sk as string);
      }),
    );
    return [...all].sort();
  }

  async cellsOfMonth(month: string): Promise<Map<string, Counters>> {
    const cells = new Map<string, Counters>();
    const shards = await Promise.all(Array.from({ length: AGGREGATE_SHARDS }, (_, s) => this.queryAll(aggregateKeys.counter(month, s, '').pk)));
    for (const items of shards)
      for (const { pk: _pk, sk, ...counters } of items) addCounters(cells.get(sk as string) ?? cells.set(sk as string, {}).get(sk as string)!, counters as Counters);
    return cells;
  }

  private async queryAll(pk: string): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const r = await ddb().send(
        new QueryCommand({ TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ExclusiveStartKey }),
      );
      out.push(...(r.Items ?? []));
      ExclusiveStartKey = r.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return out;
  }
}
