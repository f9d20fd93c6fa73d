import type { AggregateStore, Counters } from '../ports';
import { addCounters, aggregateRecord, type BusinessDates } from './aggregation';

/**
 * Recomputes every aggregate from the Payments table, the source of truth (ADR 0014): what the stream
 * produced, whatever it missed or lost (a batch past the stream's 24 h retention, an on-failure
 * destination that kept only metadata). Pure fold: each payment and refund record's contributions,
 * summed per month and cell, exactly as the aggregator derives them.
 */
export async function foldRecords(
  pages: AsyncIterable<Record<string, unknown>[]>,
  dates: BusinessDates,
): Promise<Map<string, Map<string, Counters>>> {
  const months = new Map<string, Map<string, Counters>>();
  for await (const page of pages)
    for (const item of page) {
      const parsed = aggregateRecord(item, dates);
      if (parsed.kind !== 'aggregate') continue;
      for (const c of parsed.record.contributions) {
        const cells = months.get(c.month) ?? months.set(c.month, new Map()).get(c.month)!;
        addCounters(cells.get(c.cell) ?? cells.set(c.cell, {}).get(c.cell)!, c.add);
      }
    }
  return months;
}

/** The cells of `month` where the stored aggregates differ from the rebuilt ones. */
export async function differences(
  store: Pick<AggregateStore, 'cellsOfMonth'>,
  month: string,
  rebuilt: Map<string, Counters>,
): Promise<string[]> {
  const stored = await store.cellsOfMonth(month);
  const same = (a: Counters = {}, b: Counters = {}) =>
    [...new Set([...Object.keys(a), ...Object.keys(b)])].every((k) => (a[k] ?? 0) === (b[k] ?? 0));
  return [...new Set([...stored.keys(), ...rebuilt.keys()])].filter(
    (cell) => !same(stored.get(cell), rebuilt.get(cell)),
  );
}
