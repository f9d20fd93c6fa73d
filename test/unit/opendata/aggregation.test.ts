import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AGGREGATE_SHARDS,
  aggregateRecord,
  applyItems,
  HISTOGRAM_CAP_HOURS,
  hourBucket,
  paymentContributions,
  percentileHours,
} from '../../../functions/opendata/domain/aggregation';
import { clockAt } from '../../../functions/shared/domain/clock';
import type { PaymentRecord } from '../../../schemas/records';
import { prng, syntheticPayment, syntheticRefund, universe } from './fixtures';
import { RunInterrupted } from '../../../functions/opendata/ports';
import { MemoryAggregateStore } from './memoryStores';

/** Business dates in Asia/Shanghai (the centre's zone); only the zone matters here, not the instant. */
const clock = clockAt('2025-03-10T02:00:00.000Z', 'Asia/Shanghai');

const payment = (over: Partial<PaymentRecord> = {}): PaymentRecord => ({
  recordType: 'payment',
  paymentId: 'P1',
  noticeNos: ['N1', 'N2'],
  channel: 'card',
  amount: 7000,
  bankRef: 'B1',
  windowId: 'W01',
  paidAt: '2025-03-10T02:00:00.000Z',
  businessDate: '2025-03-10',
  receiptNo: 'R1',
  lines: [
    {
      noticeNo: 'N1',
      departmentId: 'D01',
      feeCode: 'PSB-ID',
      feeVersion: 1,
      quantity: 1,
      amount: 2000,
      noticeIssuedAt: '2025-03-09T01:30:00.000Z',
    },
    {
      noticeNo: 'N1',
      departmentId: 'D01',
      feeCode: 'PSB-ID',
      feeVersion: 1,
      quantity: 1,
      amount: 2000,
      noticeIssuedAt: '2025-03-09T01:30:00.000Z',
    },
    {
      noticeNo: 'N2',
      departmentId: 'D02',
      feeCode: 'RE-REG',
      feeVersion: 2,
      quantity: 1,
      amount: 3000,
      noticeIssuedAt: '2025-03-10T00:00:00.000Z',
    },
  ],
  ...over,
});

describe('what a payment adds to the aggregates', () => {
  it('counts the payment once per fee item, day and channel, and each notice once per department', () => {
    const { key, contributions } = paymentContributions(payment(), clock);
    expect(key).toBe('PAY#P1');
    const byCell = Object.fromEntries(contributions.map((c) => [c.cell, c.add]));
    expect(byCell).toEqual({
      'DC#2025-03-10#card': { paymentCount: 1, amount: 7000 },
      'MC#D01#PSB-ID': { paymentCount: 1, amount: 4000 },
      'MC#D02#RE-REG': { paymentCount: 1, amount: 3000 },
      'NT#D01': { paymentCount: 1, noticeCount: 1, h24: 1 },
      'NT#D02': { paymentCount: 1, noticeCount: 1, h2: 1 },
    });
    expect(new Set(contributions.map((c) => c.month))).toEqual(new Set(['2025-03']));
  });

  it('dates a payment in the business time zone (Asia/Shanghai), not UTC', () => {
    const { contributions } = paymentContributions(payment({ paidAt: '2025-03-31T16:30:00.000Z' }), clock);
    expect(contributions.find((c) => c.cell.startsWith('DC#'))!.cell).toBe('DC#2025-04-01#card');
    expect(contributions.every((c) => c.month === '2025-04')).toBe(true);
  });

  it('counts a refund in the month it is refunded, per fee item it refunds', () => {
    const p = payment();
    const r = aggregateRecord(
      { ...syntheticRefund(p, 1), refundedAt: '2025-04-02T03:00:00.000Z' } as unknown as Record<string, unknown>,
      clock,
    );
    expect(r.kind).toBe('aggregate');
    if (r.kind !== 'aggregate') return;
    expect(r.record.key).toBe('REFUND#RF1');
    expect(r.record.contributions).toEqual([
      expect.objectContaining({ month: '2025-04', cell: 'MC#D01#PSB-ID', add: { refundCount: 1, refundAmount: 2000 } }),
    ]);
  });

  it('ignores other item types of the Payments table and counts malformed records without applying them', async () => {
    const store = new MemoryAggregateStore();
    const report = await applyItems(
      store,
      [
        { pk: 'BANKREF#card#B1', sk: 'BANKREF', paymentId: 'P1' },
        { recordType: 'payment', paymentId: 'P9', lines: [{ departmentId: 'Wang Wei 13800138000' }] },
        payment() as unknown as Record<string, unknown>,
      ],
      clock,
    );
    expect(report).toEqual({ applied: 1, duplicates: 0, ignored: 1, malformed: 1 });
    expect(await store.months()).toEqual(['2025-03']);
  });

  it('does not count a re-delivered record twice', async () => {
    const store = new MemoryAggregateStore();
    const items = [payment() as unknown as Record<string, unknown>];
    await applyItems(store, items, clock);
    const second = await applyItems(store, items, clock);
    expect(second).toMatchObject({ applied: 0, duplicates: 1 });
    expect((await store.cellsOfMonth('2025-03')).get('MC#D01#PSB-ID')).toEqual({ paymentCount: 1, amount: 4000 });
  });

  it('spreads even a single hot cell over the shards: no item is written by every payment', async () => {
    const u = universe({ departments: 1, feesPerDepartment: 1, months: ['2025-05'] });
    const rand = prng(7);
    const writesPerItem = new Map<string, number>();
    const n = 2000;
    for (let i = 0; i < n; i++)
      for (const c of paymentContributions(syntheticPayment(u, i, rand), clock).contributions) {
        const item = `${c.month}#${c.shard}#${c.cell}`;
        writesPerItem.set(item, (writesPerItem.get(item) ?? 0) + 1);
      }
    const hottest = Math.max(...writesPerItem.values());
    expect(hottest).toBeLessThan((n / AGGREGATE_SHARDS) * 1.5);
  });

  it('sums to the same aggregates whatever the order and however often records are re-delivered', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 60 }), async (seed, count) => {
        const u = universe({ departments: 3, feesPerDepartment: 2, months: ['2025-01', '2025-02'] });
        const rand = prng(seed);
        const records: Record<string, unknown>[] = [];
        for (let i = 0; i < count; i++) {
          const p = syntheticPayment(u, i, rand);
          records.push(p as unknown as Record<string, unknown>);
          if (rand() < 0.2) records.push(syntheticRefund(p, i) as unknown as Record<string, unknown>);
        }
        // Naive truth: per month × department × fee item, straight from the records.
        const truth = new Map<string, { paymentCount: number; amount: number; refundCount: number }>();
        const cell = (k: string) =>
          truth.get(k) ?? truth.set(k, { paymentCount: 0, amount: 0, refundCount: 0 }).get(k)!;
        for (const r of records as unknown as (PaymentRecord | ReturnType<typeof syntheticRefund>)[]) {
          if (r.recordType === 'payment') {
            const seen = new Set<string>();
            for (const l of r.lines) {
              const k = `${r.paidAt.slice(0, 7)}#${l.departmentId}#${l.feeCode}`;
              cell(k).amount += l.amount;
              if (!seen.has(k)) cell(k).paymentCount++;
              seen.add(k);
            }
          } else cell(`${r.refundedAt.slice(0, 7)}#${r.lines[0]!.departmentId}#${r.lines[0]!.feeCode}`).refundCount++;
        }
        const delivered = [...records, ...records.filter(() => rand() < 0.3)].sort(() => rand() - 0.5);
        const store = new MemoryAggregateStore();
        await applyItems(store, delivered, clock);
        for (const [k, t] of truth) {
          const [month, dept, fee] = k.split('#');
          const got = (await store.cellsOfMonth(month!)).get(`MC#${dept}#${fee}`) ?? {};
          expect({
            paymentCount: got.paymentCount ?? 0,
            amount: got.amount ?? 0,
            refundCount: got.refundCount ?? 0,
          }).toEqual(t);
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('notice-to-payment times', () => {
  it('buckets whole hours, clamped to [0, cap]', () => {
    expect(hourBucket('2025-01-01T00:00:00Z', '2025-01-01T00:59:59Z')).toBe(0);
    expect(hourBucket('2025-01-01T00:00:00Z', '2025-01-02T01:00:00Z')).toBe(25);
    expect(hourBucket('2025-01-02T00:00:00Z', '2025-01-01T00:00:00Z')).toBe(0);
  });

  it('gives the nearest-rank median and p90 of the histogram', () => {
    // 10 notices: hours 1,1,2,3,5,8,13,21,34,55
    const h = { h1: 2, h2: 1, h3: 1, h5: 1, h8: 1, h13: 1, h21: 1, h34: 1, h55: 1, paymentCount: 99 };
    expect(percentileHours(h, 0.5)).toBe(5);
    expect(percentileHours(h, 0.9)).toBe(34);
    expect(percentileHours({}, 0.5)).toBeNull();
  });
});

describe('runs: one delta per counter per stream batch, exactly once across re-deliveries', () => {
  const u = universe({ departments: 2, feesPerDepartment: 2, months: ['2025-06'] });
  const batch = (from: number, n: number) => {
    const rand = prng(99);
    return Array.from({ length: from + n }, (_, i) => syntheticPayment(u, i, rand)).slice(from) as unknown as Record<
      string,
      unknown
    >[];
  };
  const totals = async (store: MemoryAggregateStore) =>
    Object.fromEntries([...(await store.cellsOfMonth('2025-06'))].filter(([c]) => c.startsWith('MC#')));

  it('pre-aggregates a batch of 100 payments into one run with one delta per cell', async () => {
    const store = new MemoryAggregateStore();
    expect(await applyItems(store, batch(0, 100), clock)).toMatchObject({ applied: 100, duplicates: 0 });
    expect(store.runs.size).toBe(1);
    const shards = [...store.items.get('2025-06')!.values()];
    expect(shards).toHaveLength(1); // the run's deltas all go to its first record's shard
    // One delta per distinct cell of the 100 payments, against 100 × (cells per payment) deltas one by one.
    const distinct = new Set(
      batch(0, 100).flatMap((p) =>
        paymentContributions(p as unknown as PaymentRecord, clock).contributions.map((c) => c.cell),
      ),
    );
    expect([...shards[0]!.keys()].sort()).toEqual([...distinct].sort());
    expect(distinct.size).toBeLessThan(100);
  });

  it('a batch interrupted part-way resumes where it stopped, and a re-delivery from its start adds nothing', async () => {
    const truth = new MemoryAggregateStore();
    await applyItems(truth, batch(0, 250), clock);
    const store = new MemoryAggregateStore();
    store.failAfterRuns = 1;
    const first = batch(0, 250);
    const stopped = await applyItems(store, first, clock).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(stopped).toBeInstanceOf(RunInterrupted);
    const at = (stopped as RunInterrupted).firstUnapplied;
    expect(at).toBe(100);
    store.failAfterRuns = Number.POSITIVE_INFINITY;
    // Lambda re-delivers from the reported record (with the same or more records), then once more from the start.
    expect(await applyItems(store, batch(at, 150), clock)).toMatchObject({ applied: 150, duplicates: 0 });
    expect(await applyItems(store, batch(0, 250), clock)).toMatchObject({ applied: 0, duplicates: 250 });
    expect(await totals(store)).toEqual(await totals(truth));
  });

  it('keeps the notice-to-payment histogram bounded: at most 73 buckets over every possible time', () => {
    const issued = '2025-01-01T00:00:00Z';
    const buckets = new Set<number>();
    for (let h = 0; h <= HISTOGRAM_CAP_HOURS + 100; h++)
      buckets.add(hourBucket(issued, new Date(Date.parse(issued) + h * 3_600_000).toISOString()));
    expect(buckets.size).toBeLessThanOrEqual(73);
    expect(hourBucket(issued, '2025-01-02T23:00:00Z')).toBe(47); // hours exact below two days
    expect(hourBucket(issued, '2025-01-05T07:00:00Z')).toBe(96); // then whole days
    expect(hourBucket(issued, '2025-02-20T07:00:00Z')).toBe(1176); // then whole weeks
  });
});
