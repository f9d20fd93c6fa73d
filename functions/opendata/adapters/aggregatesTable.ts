import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  batchGetAll,
  cancellationCodes,
  CONDITION_FAILED,
  isTransient,
  queryAll,
  sleep,
  stripKeys,
  type DocClient,
  type Item,
  type TransactItem,
} from '../../shared/adapters/dynamo';
import { AGGREGATE_SHARDS, addCounters } from '../domain/aggregation';
import type { AggregatedRecord, AggregateStore, Counters } from '../ports';

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
/** Attempts of a transaction that keeps meeting conflicts or throttling before the error is let through. */
const MAX_ATTEMPTS = 9;

export class AggregatesTable implements AggregateStore {
  /** Raw item writes performed (counters, index entries and markers); the benchmark reports it. */
  itemWrites = 0;

  constructor(
    private readonly client: DocClient,
    private readonly table: string,
  ) {}

  /**
   * The transactions one record needs: its counters, its months' index entries, and a marker per part.
   * `nowMs` only dates the markers' TTL expiry (housekeeping, like the rate-limit windows), not business time.
   */
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
        {
          Put: {
            TableName: this.table,
            Item: { ...aggregateKeys.marker(key), expiresAt },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
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

  /** True when applied, false when the marker (the first item) already existed; retries transient cancellations. */
  private async transact(items: TransactItem[]): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: items }));
        this.itemWrites += items.length;
        return true;
      } catch (e) {
        if (cancellationCodes(e)?.[0] === CONDITION_FAILED) return false;
        if (!isTransient(e) || attempt >= MAX_ATTEMPTS) throw e;
        await sleep(Math.random() * 20 * 2 ** (attempt - 1));
      }
    }
  }

  async appliedAmong(keys: string[]): Promise<Set<string>> {
    const markers = [...new Set(keys)].map((k) => aggregateKeys.marker(k));
    const found = await batchGetAll(this.client, this.table, markers);
    return new Set(found.map((item) => (item.pk as string).slice('APPLIED#'.length)));
  }

  async isApplied(recordKey: string): Promise<boolean> {
    const r = await this.client.send(new GetCommand({ TableName: this.table, Key: aggregateKeys.marker(recordKey) }));
    return r.Item !== undefined;
  }

  async months(): Promise<string[]> {
    const all = new Set<string>();
    await Promise.all(
      Array.from({ length: AGGREGATE_SHARDS }, async (_, shard) => {
        for (const i of await this.partition(aggregateKeys.monthIndex(shard, '').pk)) all.add(i.sk as string);
      }),
    );
    return [...all].sort();
  }

  async cellsOfMonth(month: string): Promise<Map<string, Counters>> {
    const cells = new Map<string, Counters>();
    const shards = await Promise.all(
      Array.from({ length: AGGREGATE_SHARDS }, (_, s) => this.partition(aggregateKeys.counter(month, s, '').pk)),
    );
    for (const items of shards)
      for (const item of items) {
        const cell = item.sk as string;
        addCounters(cells.get(cell) ?? cells.set(cell, {}).get(cell)!, stripKeys<Counters>(item));
      }
    return cells;
  }

  /** Every item of one partition: a shard of a month's counters, or a shard of the month index. */
  private partition(pk: string): Promise<Item[]> {
    return queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
    });
  }
}
