import { GetCommand, PutCommand, ScanCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  batchGetAll,
  batchWriteAll,
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
import { AGGREGATE_SHARDS, addCounters, shardOf } from '../domain/aggregation';
import { MAX_RUN_CELLS, runFrom, type Run } from '../domain/runs';
import { RunInterrupted, type AggregatedRecord, type AggregateStore, type Counters } from '../ports';

/**
 * Aggregates in the OpenData table:
 * - counters: pk `AGG#<month>#<shard>`, sk `<cell>` (MC#…, DC#…, NT#…); numeric attributes added with ADD.
 * - month index: pk `AGGIDX#<shard>`, sk `<month>`: lets the publisher enumerate months without a scan;
 *   sharded like the counters, so it is no hotter than they are.
 * - run marker (the stream path, ADR 0014): pk `RUN#<first record key>`, sk `RUN`, `keys`: every record
 *   key of the run; put only if absent in the same TransactWriteItems as the run's pre-aggregated
 *   counters, so a re-delivered run adds nothing and a resumed batch skips exactly the records applied.
 * - applied-record marker (`applyOnce`, one record alone): pk `APPLIED#<record key>`, sk `APPLIED`.
 *   Markers expire after MARKER_TTL_DAYS (far beyond the stream's 24-hour retention).
 */
const pad = (n: number) => String(n).padStart(2, '0');
export const aggregateKeys = {
  counter: (month: string, shard: number, cell: string) => ({ pk: `AGG#${month}#${pad(shard)}`, sk: cell }),
  monthIndex: (shard: number, month: string) => ({ pk: `AGGIDX#${pad(shard)}`, sk: month }),
  marker: (key: string) => ({ pk: `APPLIED#${key}`, sk: 'APPLIED' }),
  runMarker: (firstKey: string) => ({ pk: `RUN#${firstKey}`, sk: 'RUN' }),
};

/** Months this process has put in the month index: once per process per month, not per write (ADR 0014). */
const indexedMonths = new Set<string>();
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
    const updates: TransactItem[] = record.contributions.map((c) =>
      this.addItem(aggregateKeys.counter(c.month, c.shard, c.cell), c.add),
    );
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

  async applyRun(records: AggregatedRecord[]): Promise<{ applied: number; duplicates: number }> {
    const out = { applied: 0, duplicates: 0 };
    let i = 0;
    try {
      await this.indexMonths(records);
      while (i < records.length) {
        const marker = await this.client.send(
          new GetCommand({
            TableName: this.table,
            Key: aggregateKeys.runMarker(records[i]!.key),
            ConsistentRead: true,
          }),
        );
        if (marker.Item) {
          // A re-delivery from where an earlier delivery's run started: skip exactly what that run applied.
          const done = marker.Item.keys as Set<string>;
          const start = i;
          while (i < records.length && done.has(records[i]!.key)) i++;
          out.duplicates += i - start;
          continue;
        }
        const { run, next } = runFrom(records, i);
        const fresh = await this.applyRunOnce(run, records[i]!);
        out.applied += fresh ? run.keys.length : 0;
        out.duplicates += next - i - (fresh ? run.keys.length : 0);
        i = next;
      }
      return out;
    } catch (e) {
      throw new RunInterrupted(i, e);
    }
  }

  /** One run's counters and marker in one transaction; false if its marker already existed. */
  private async applyRunOnce(run: Run, first: AggregatedRecord): Promise<boolean> {
    // A single record with more cells than a transaction holds is applied alone, in parts.
    if (run.deltas.length > MAX_RUN_CELLS) return this.applyOnce(first);
    const expiresAt = Math.floor(Date.now() / 1000) + MARKER_TTL_DAYS * 86_400;
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.table,
          Item: { ...aggregateKeys.runMarker(run.first), keys: new Set(run.keys), expiresAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...run.deltas.map((d) => this.addItem(aggregateKeys.counter(d.month, run.shard, d.cell), d.add)),
    ];
    return this.transact(items);
  }

  private addItem(key: { pk: string; sk: string }, add: Counters): TransactItem {
    const names: Record<string, string> = {};
    const values: Record<string, number> = {};
    const adds = Object.entries(add).map(([k, v], i) => {
      names[`#a${i}`] = k;
      values[`:a${i}`] = v;
      return `#a${i} :a${i}`;
    });
    return {
      Update: {
        TableName: this.table,
        Key: key,
        UpdateExpression: `ADD ${adds.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  }

  /** Puts the months of these records in the month index, each once per process, before their counters. */
  private async indexMonths(records: AggregatedRecord[]): Promise<void> {
    const months = new Set(records.flatMap((r) => r.contributions.map((c) => c.month)));
    for (const month of months) {
      const key = `${this.table}#${month}`;
      if (indexedMonths.has(key)) continue;
      await this.client.send(
        new PutCommand({ TableName: this.table, Item: { ...aggregateKeys.monthIndex(shardOf(month), month), month } }),
      );
      indexedMonths.add(key);
    }
  }

  /**
   * Replaces a month's counters with rebuilt totals (`npm run aggregates:rebuild -- --write`): every
   * shard item of the month deleted, each cell put whole into shard 0. Not atomic: run it with the
   * stream mapping disabled, then enable it (the records it then delivers were folded in: their run
   * markers are absent, so stop the mapping at a point the Payments table already holds).
   */
  async replaceMonth(month: string, cells: Map<string, Counters>): Promise<void> {
    const old = (
      await Promise.all(
        Array.from({ length: AGGREGATE_SHARDS }, (_, s) => this.partition(aggregateKeys.counter(month, s, '').pk)),
      )
    ).flat();
    await batchWriteAll(
      this.client,
      this.table,
      old.map((i) => ({ DeleteRequest: { Key: { pk: i.pk, sk: i.sk } } })),
    );
    await batchWriteAll(
      this.client,
      this.table,
      [...cells].map(([cell, counters]) => ({
        PutRequest: { Item: { ...aggregateKeys.counter(month, 0, cell), ...counters } },
      })),
    );
    await this.indexMonths([{ key: month, contributions: [{ month, shard: 0, cell: '', add: {} }] }]);
  }

  async appliedAmong(keys: string[]): Promise<Set<string>> {
    const markers = [...new Set(keys)].map((k) => aggregateKeys.marker(k));
    const found = await batchGetAll(this.client, this.table, markers);
    return new Set(found.map((item) => (item.pk as string).slice('APPLIED#'.length)));
  }

  /**
   * Which of these records were applied, alone or in a run. For tests and operators only: finding the
   * runs that hold them scans the run markers (once per call, however many keys).
   */
  async appliedOf(recordKeys: string[]): Promise<Set<string>> {
    const wanted = new Set(recordKeys);
    const found = await this.appliedAmong(recordKeys);
    let ExclusiveStartKey: Item | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: 'begins_with(pk, :run)',
          ExpressionAttributeValues: { ':run': 'RUN#' },
          ExclusiveStartKey,
        }),
      );
      for (const marker of page.Items ?? [])
        for (const k of marker.keys as Set<string>) if (wanted.has(k)) found.add(k);
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey && found.size < wanted.size);
    return found;
  }

  async isApplied(recordKey: string): Promise<boolean> {
    return (await this.appliedOf([recordKey])).has(recordKey);
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
