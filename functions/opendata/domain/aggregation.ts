import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { CHANNELS, type PaymentRecord, type RefundRecord } from '../../../schemas/records';
import { DepartmentId, FeeCode } from '../../../schemas/common';
import {
  RunInterrupted,
  type AggregatedRecord,
  type AggregateStore,
  type Clock,
  type Contribution,
  type Counters,
} from '../ports';

/**
 * What one Payments-table record adds to the open-data aggregates (the pure half of the aggregator).
 *
 * Cells, all in the business time zone:
 * - `MC#<dept>#<fee>`  month × department × fee item: paymentCount, amount, refundCount, refundAmount
 * - `DC#<date>#<channel>` day × channel: paymentCount, amount
 * - `NT#<dept>`  month × department: noticeCount, paymentCount, and a histogram of notice-to-payment
 *   times in whole hours (`h<hours>`, capped), from which median and p90 are exact to the hour.
 *
 * Every counter lives in one of AGGREGATE_SHARDS items per cell, chosen by the hash of the record's
 * id, so no item is written on every payment; readers sum the shards. A record is applied at most
 * once: the store writes a marker for its key in the same transaction as its counters.
 */
export const AGGREGATE_SHARDS = 16;
/** Notice-to-payment times at or beyond this many hours share the last bucket. */
export const HISTOGRAM_CAP_HOURS = 24 * 92;

/** The part of the clock the aggregates need: business dates, in the configured time zone. */
export type BusinessDates = Pick<Clock, 'dateOf'>;

export const shardOf = (id: string): number => createHash('sha256').update(id).digest()[0]! % AGGREGATE_SHARDS;

const Instant = z.iso.datetime({ offset: true });
const Channel = z.enum(CHANNELS as [string, ...string[]]);
const Amount = z.int().check(z.gte(0));
const Id = z.string().check(z.minLength(1), z.maxLength(200));

// Only the fields the aggregates use, validated so that nothing but identifiers from the catalog and
// counts ever reaches a key or a counter (a malformed record cannot smuggle text into open data).
const PaymentShape = z.object({
  recordType: z.literal('payment'),
  paymentId: Id,
  channel: Channel,
  amount: Amount,
  paidAt: Instant,
  lines: z
    .array(
      z.object({ noticeNo: Id, departmentId: DepartmentId, feeCode: FeeCode, amount: Amount, noticeIssuedAt: Instant }),
    )
    .check(z.minLength(1)),
});
const RefundShape = z.object({
  recordType: z.literal('refund'),
  refundId: Id,
  paymentId: Id,
  amount: Amount,
  refundedAt: Instant,
  lines: z.array(z.object({ departmentId: DepartmentId, feeCode: FeeCode, amount: Amount })).check(z.minLength(1)),
});

export type ParsedRecord =
  | { kind: 'aggregate'; record: AggregatedRecord }
  /** Another item type of the Payments table (e.g. bank-reference uniqueness items). */
  | { kind: 'ignored' }
  /** Says it is a payment or refund but does not have the shape: counted and logged, never applied. */
  | { kind: 'malformed' };

/** Classifies a Payments-table item (plain JS, already unmarshalled) and derives its contributions. */
export function aggregateRecord(item: Record<string, unknown>, dates: BusinessDates): ParsedRecord {
  if (item.recordType === 'payment') {
    const p = PaymentShape.safeParse(item);
    return p.success
      ? { kind: 'aggregate', record: paymentContributions(p.data as unknown as PaymentRecord, dates) }
      : { kind: 'malformed' };
  }
  if (item.recordType === 'refund') {
    const r = RefundShape.safeParse(item);
    return r.success
      ? { kind: 'aggregate', record: refundContributions(r.data as unknown as RefundRecord, dates) }
      : { kind: 'malformed' };
  }
  return { kind: 'ignored' };
}

const dateOf = (dates: BusinessDates, iso: string) => dates.dateOf(new Date(iso));

/**
 * The histogram bucket of a notice-to-payment time: whole hours below 48 h, whole days (in hours) below
 * two weeks, whole weeks after, and the cap: at most 73 buckets, so an `NT#` cell stays under 1 KB
 * however long the tail (it grew to 16.6 KB with one bucket per hour; docs/adr/0014). The published
 * median and p90 are the lower bound of their bucket: exact to the hour for anything paid within two days.
 */
export function hourBucket(issuedAt: string, paidAt: string): number {
  const hours = Math.min(
    HISTOGRAM_CAP_HOURS,
    Math.max(0, Math.floor((Date.parse(paidAt) - Date.parse(issuedAt)) / 3_600_000)),
  );
  if (hours < 48) return hours;
  if (hours < 24 * 14) return hours - (hours % 24);
  return hours === HISTOGRAM_CAP_HOURS ? hours : hours - (hours % 168);
}

export function paymentContributions(p: PaymentRecord, dates: BusinessDates): AggregatedRecord {
  const shard = shardOf(p.paymentId);
  const date = dateOf(dates, p.paidAt);
  const month = date.slice(0, 7);
  const out: Contribution[] = [
    { month, shard, cell: `DC#${date}#${p.channel}`, add: { paymentCount: 1, amount: p.amount } },
  ];

  const fees = new Map<string, number>();
  for (const l of p.lines)
    fees.set(`${l.departmentId}#${l.feeCode}`, (fees.get(`${l.departmentId}#${l.feeCode}`) ?? 0) + l.amount);
  for (const [fee, amount] of fees) out.push({ month, shard, cell: `MC#${fee}`, add: { paymentCount: 1, amount } });

  // One notice may have several lines; its time counts once.
  const notices = new Map<string, { departmentId: string; issuedAt: string }>();
  for (const l of p.lines)
    if (!notices.has(l.noticeNo)) notices.set(l.noticeNo, { departmentId: l.departmentId, issuedAt: l.noticeIssuedAt });
  const byDept = new Map<string, Counters>();
  for (const n of notices.values()) {
    const c = byDept.get(n.departmentId) ?? { paymentCount: 1, noticeCount: 0 };
    c.noticeCount! += 1;
    const b = `h${hourBucket(n.issuedAt, p.paidAt)}`;
    c[b] = (c[b] ?? 0) + 1;
    byDept.set(n.departmentId, c);
  }
  for (const [dept, add] of byDept) out.push({ month, shard, cell: `NT#${dept}`, add });
  return { key: `PAY#${p.paymentId}`, contributions: out };
}

/** A refund counts in the month it is refunded, in the cells of the fee items it gives money back for. */
export function refundContributions(r: RefundRecord, dates: BusinessDates): AggregatedRecord {
  const shard = shardOf(r.refundId);
  const month = dateOf(dates, r.refundedAt).slice(0, 7);
  const fees = new Map<string, number>();
  for (const l of r.lines)
    fees.set(`${l.departmentId}#${l.feeCode}`, (fees.get(`${l.departmentId}#${l.feeCode}`) ?? 0) + l.amount);
  return {
    key: `REFUND#${r.refundId}`,
    contributions: [...fees].map(([fee, amount]) => ({
      month,
      shard,
      cell: `MC#${fee}`,
      add: { refundCount: 1, refundAmount: amount },
    })),
  };
}

/** Adds counters (shards of one cell, or contributions folded in memory). */
export function addCounters(into: Counters, add: Counters): Counters {
  for (const [k, v] of Object.entries(add)) into[k] = (into[k] ?? 0) + v;
  return into;
}

/** Nearest-rank percentile (0 < p ≤ 1) of a histogram of whole hours; null when empty. */
export function percentileHours(counters: Counters, p: number): number | null {
  const buckets = Object.entries(counters)
    .filter(([k, v]) => /^h\d+$/.test(k) && v > 0)
    .map(([k, v]) => [Number(k.slice(1)), v] as const)
    .sort((a, b) => a[0] - b[0]);
  const n = buckets.reduce((s, [, v]) => s + v, 0);
  if (n === 0) return null;
  const rank = Math.ceil(p * n);
  let seen = 0;
  for (const [hours, v] of buckets) {
    seen += v;
    if (seen >= rank) return hours;
  }
  return buckets.at(-1)![0];
}

export interface ApplyReport {
  applied: number;
  duplicates: number;
  ignored: number;
  malformed: number;
}

/**
 * Applies a stream batch of Payments-table items, in stream order: each record is classified, and the
 * store pre-aggregates runs of them in memory and writes one delta per counter (docs/adr/0014). Throws
 * RunInterrupted naming the index of the first item not applied when a run fails part-way, so the
 * stream can be resumed from there; everything before it is applied, exactly once.
 */
export async function applyItems(
  store: AggregateStore,
  items: Record<string, unknown>[],
  dates: BusinessDates,
): Promise<ApplyReport> {
  const report: ApplyReport = { applied: 0, duplicates: 0, ignored: 0, malformed: 0 };
  const records: AggregatedRecord[] = [];
  const itemIndex: number[] = [];
  const seen = new Set<string>();
  for (const [i, item] of items.entries()) {
    const parsed = aggregateRecord(item, dates);
    if (parsed.kind !== 'aggregate') report[parsed.kind]++;
    else if (seen.has(parsed.record.key))
      report.duplicates++; // the same record twice in one batch
    else {
      seen.add(parsed.record.key);
      records.push(parsed.record);
      itemIndex.push(i);
    }
  }
  try {
    const run = await store.applyRun(records);
    report.applied += run.applied;
    report.duplicates += run.duplicates;
    return report;
  } catch (e) {
    if (e instanceof RunInterrupted) throw new RunInterrupted(itemIndex[e.firstUnapplied] ?? items.length, e.cause);
    throw e;
  }
}
