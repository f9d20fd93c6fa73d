import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AggregatedRecord, AggregateStore, Contribution } from '../../functions/opendata/ports';

/**
 * The AggregateStore contract (functions/opendata/ports.ts), run against the in-memory fake
 * (test/unit/opendata) and the OpenData table adapter (test/integration/opendata). Every test
 * writes under its own record keys and months, so runs against the shared DynamoDB Local never
 * collide. Months are `X<tag>-<nn>`: they sort after every real month, so a publisher running on
 * the same table never takes one for a completed month.
 */
const tag = () => randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase();
const monthOf = (t: string, n = 1) => `X${t}-${String(n).padStart(2, '0')}`;

const record = (key: string, contributions: Contribution[]): AggregatedRecord => ({ key, contributions });

export function describeAggregateStoreContract(name: string, makeStore: () => AggregateStore): void {
  describe(`AggregateStore contract: ${name}`, () => {
    it('applies a record once: the same key again returns false and adds nothing', async () => {
      const store = makeStore();
      const t = tag();
      const month = monthOf(t);
      const r = record(`PAY#${t}`, [{ month, shard: 3, cell: 'MC#D1#F1', add: { paymentCount: 1, amount: 500 } }]);
      expect(await store.applyOnce(r)).toBe(true);
      expect(await store.applyOnce(r)).toBe(false);
      expect((await store.cellsOfMonth(month)).get('MC#D1#F1')).toEqual({ paymentCount: 1, amount: 500 });
    });

    it('lets exactly one of several concurrent deliveries of a record through', async () => {
      const store = makeStore();
      const t = tag();
      const month = monthOf(t);
      const r = record(`PAY#${t}`, [
        { month, shard: 9, cell: `DC#${month}-01#card`, add: { paymentCount: 1, amount: 70 } },
      ]);
      const outcomes = await Promise.all([
        store.applyOnce(r),
        store.applyOnce(r),
        store.applyOnce(r),
        store.applyOnce(r),
      ]);
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      expect((await store.cellsOfMonth(month)).get(`DC#${month}-01#card`)).toEqual({ paymentCount: 1, amount: 70 });
    });

    it('sums each cell over its shards and its records, counter by counter', async () => {
      const store = makeStore();
      const t = tag();
      const month = monthOf(t);
      await store.applyOnce(
        record(`PAY#${t}-1`, [
          { month, shard: 0, cell: 'MC#D1#F1', add: { paymentCount: 1, amount: 100 } },
          { month, shard: 0, cell: 'NT#D1', add: { paymentCount: 1, noticeCount: 2, h5: 1, h30: 1 } },
        ]),
      );
      await store.applyOnce(
        record(`PAY#${t}-2`, [
          { month, shard: 7, cell: 'MC#D1#F1', add: { paymentCount: 1, amount: 250 } },
          { month, shard: 7, cell: 'NT#D1', add: { paymentCount: 1, noticeCount: 1, h5: 1 } },
        ]),
      );
      await store.applyOnce(
        record(`REFUND#${t}-3`, [{ month, shard: 15, cell: 'MC#D1#F1', add: { refundCount: 1, refundAmount: 40 } }]),
      );
      const cells = await store.cellsOfMonth(month);
      expect(Object.fromEntries(cells)).toEqual({
        'MC#D1#F1': { paymentCount: 2, amount: 350, refundCount: 1, refundAmount: 40 },
        'NT#D1': { paymentCount: 2, noticeCount: 3, h5: 2, h30: 1 },
      });
    });

    it('lists every month that has aggregates, ascending, and nothing for a month without', async () => {
      const store = makeStore();
      const t = tag();
      const [m1, m2, m3] = [monthOf(t, 1), monthOf(t, 2), monthOf(t, 3)];
      await store.applyOnce(
        record(`PAY#${t}-a`, [{ month: m3, shard: 1, cell: 'MC#D1#F1', add: { paymentCount: 1 } }]),
      );
      await store.applyOnce(
        record(`PAY#${t}-b`, [
          { month: m1, shard: 2, cell: 'MC#D1#F1', add: { paymentCount: 1 } },
          { month: m2, shard: 2, cell: 'MC#D1#F1', add: { paymentCount: 1 } },
        ]),
      );
      const months = await store.months();
      expect(months).toEqual([...months].sort());
      expect(months.filter((m) => m.startsWith(`X${t}-`))).toEqual([m1, m2, m3]);
      expect((await store.cellsOfMonth(monthOf(t, 4))).size).toBe(0);
    });

    it('reports which of the given record keys are applied, however many are asked and even twice', async () => {
      const store = makeStore();
      const t = tag();
      const month = monthOf(t);
      const applied = [`PAY#${t}-1`, `PAY#${t}-2`, `REFUND#${t}-3`];
      for (const [i, key] of applied.entries())
        await store.applyOnce(record(key, [{ month, shard: i, cell: 'MC#D1#F1', add: { paymentCount: 1 } }]));
      // More than one batch read (100 keys) of unknown keys, with the applied ones among them and one repeated.
      const asked = [...Array.from({ length: 147 }, (_, i) => `PAY#${t}-unknown-${i}`), ...applied, applied[0]!];
      expect([...(await store.appliedAmong(asked))].sort()).toEqual([...applied].sort());
      expect((await store.appliedAmong([])).size).toBe(0);
    });

    it('applies a record with more cells than one transaction holds, and still only once', async () => {
      const store = makeStore();
      const t = tag();
      const month = monthOf(t);
      const contributions = Array.from({ length: 150 }, (_, i) => ({
        month,
        shard: i % 16,
        cell: `MC#D${String(i).padStart(3, '0')}#F1`,
        add: { paymentCount: 1, amount: i },
      }));
      const r = record(`PAY#${t}-large`, contributions);
      expect(await store.applyOnce(r)).toBe(true);
      expect(await store.applyOnce(r)).toBe(false);
      const cells = await store.cellsOfMonth(month);
      expect(cells.size).toBe(150);
      for (const c of contributions) expect(cells.get(c.cell)).toEqual(c.add);
      expect(await store.months()).toContain(month);
    });
  });
}
