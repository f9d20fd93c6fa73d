import type { AggregatedRecord, Counters } from '../ports';
import { addCounters, shardOf } from './aggregation';

/**
 * A run: consecutive records of one stream batch, pre-aggregated in memory into one delta per counter
 * (docs/adr/0014). Its counters go to the shard of its first record (runs spread over the shards as
 * records did), and it is applied in one transaction with its marker, so a run is small enough for one:
 * at most MAX_RUN_RECORDS records and MAX_RUN_CELLS counter items (TransactWriteItems takes 100 items).
 */
export const MAX_RUN_RECORDS = 100;
export const MAX_RUN_CELLS = 98;

export interface Run {
  /** The first record's key: the run marker's key. */
  first: string;
  /** Every record key of the run (in the marker: a re-delivery skips exactly these). */
  keys: string[];
  shard: number;
  /** One delta per (month, cell). */
  deltas: { month: string; cell: string; add: Counters }[];
}

/** The run that starts at `records[from]`, and where the next one starts. */
export function runFrom(records: readonly AggregatedRecord[], from: number): { run: Run; next: number } {
  const first = records[from]!;
  const byCell = new Map<string, { month: string; cell: string; add: Counters }>();
  const keys: string[] = [];
  let i = from;
  for (; i < records.length && keys.length < MAX_RUN_RECORDS; i++) {
    const r = records[i]!;
    const fresh = new Set(r.contributions.map((c) => `${c.month}|${c.cell}`).filter((k) => !byCell.has(k)));
    if (keys.length > 0 && byCell.size + fresh.size > MAX_RUN_CELLS) break;
    keys.push(r.key);
    for (const c of r.contributions) {
      const k = `${c.month}|${c.cell}`;
      const delta = byCell.get(k) ?? byCell.set(k, { month: c.month, cell: c.cell, add: {} }).get(k)!;
      addCounters(delta.add, c.add);
    }
  }
  return { run: { first: first.key, keys, shard: shardOf(first.key), deltas: [...byCell.values()] }, next: i };
}
