import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runId } from '../../functions/finance/domain/records';
import type { Journal } from '../../functions/finance/ports';
import { accounts, buildTransaction, type LedgerTransaction, type StoredDayProof } from '../../functions/ledger';
import { uniqueDate } from '../unit/finance/dayFixtures';

/**
 * The contract of the journal as finance uses it (post, close a day, read it, prove it): run against
 * the in-memory fake (test/unit/finance/memoryBooks.ts) and the adapter over the Ledger table
 * (functions/finance/adapters/journal.ts). Every test makes its own ids and business dates.
 */
const uid = () => randomUUID().replaceAll('-', '').slice(0, 10).toUpperCase();

const payment = (date: string, over: { id?: string; createdAt?: string; amount?: number } = {}): LedgerTransaction =>
  buildTransaction({
    id: over.id ?? `pay-C-${uid()}`,
    kind: 'payment',
    ref: 'contract',
    businessDate: date,
    createdAt: over.createdAt ?? `${date}T02:00:00.000Z`,
    postings: [
      { account: accounts.clearing('card'), debit: over.amount ?? 500, credit: 0 },
      { account: accounts.revenue('D01', 'FEE-A'), debit: 0, credit: over.amount ?? 500 },
    ],
  });

export function describeJournalContract(name: string, make: () => Journal) {
  describe(`${name}: journal`, () => {
    it('posts a transaction once; posting the same id again reports that it exists', async () => {
      const journal = make();
      const tx = payment(uniqueDate());
      expect(await journal.post(tx)).toBe('posted');
      expect(await journal.getTransaction(tx.businessDate, tx.id)).toEqual(tx);
      expect(await journal.post({ ...tx })).toBe('exists');
      expect(await journal.getTransaction(tx.businessDate, `pay-C-${uid()}`)).toBeUndefined();
      expect(await journal.getTransaction(uniqueDate(), tx.id)).toBeUndefined();
    });

    it('lists a day’s transactions ordered by createdAt then id, and no other day’s', async () => {
      const journal = make();
      const date = uniqueDate();
      const p = uid();
      const late = payment(date, { id: `pay-${p}-A`, createdAt: `${date}T03:00:00.000Z` });
      const earlyB = payment(date, { id: `pay-${p}-B`, createdAt: `${date}T01:00:00.000Z` });
      const earlyA = payment(date, { id: `pay-${p}-C`, createdAt: `${date}T01:00:00.000Z`, amount: 7 });
      for (const tx of [late, earlyB, earlyA]) await journal.post(tx);
      await journal.post(payment(uniqueDate()));
      expect(await journal.transactionsOfDay(date)).toEqual([earlyB, earlyA, late]);
    });

    it('keeps a day open until a reconciliation closes it; the same one may close it again, no other', async () => {
      const journal = make();
      const date = uniqueDate();
      expect(await journal.dayClosedBy(date)).toBeUndefined();
      await journal.closeDay(date, runId(date, 1));
      expect(await journal.dayClosedBy(date)).toBe(runId(date, 1));
      await journal.closeDay(date, runId(date, 1));
      await expect(journal.closeDay(date, runId(date, 2))).rejects.toMatchObject({ type: 'day-closed' });
      expect(await journal.dayClosedBy(date)).toBe(runId(date, 1));
    });

    it('refuses postings into a closed day and keeps other days open', async () => {
      const journal = make();
      const date = uniqueDate();
      await journal.closeDay(date, runId(date, 1));
      const late = payment(date);
      await expect(journal.post(late)).rejects.toMatchObject({ type: 'day-closed' });
      expect(await journal.getTransaction(date, late.id)).toBeUndefined();
      expect(await journal.post(payment(uniqueDate()))).toBe('posted');
    });

    it('reads a closed day with everything posted before the close', async () => {
      const journal = make();
      const date = uniqueDate();
      const txs = [
        payment(date, { createdAt: `${date}T01:00:00.000Z` }),
        payment(date, { createdAt: `${date}T02:00:00.000Z` }),
      ];
      for (const tx of txs) await journal.post(tx);
      await journal.closeDay(date, runId(date, 1));
      expect(await journal.transactionsOfDay(date)).toEqual(txs);
    });

    it('lists the business days with postings in a range, ascending', async () => {
      const journal = make();
      const [d1, d2] = [uniqueDate(), uniqueDate()].sort() as [string, string];
      await journal.post(payment(d1));
      await journal.post(payment(d2));
      expect(await journal.businessDays(d1, d1)).toEqual([d1]);
      const both = await journal.businessDays(d1, d2);
      expect(both).toEqual(expect.arrayContaining([d1, d2]));
      expect(both).toEqual([...both].sort());
      expect(both.every((d) => d >= d1 && d <= d2)).toBe(true);
    });

    it('stores a day’s proof once: a second proof of the day gets the first back', async () => {
      const journal = make();
      const date = uniqueDate();
      const first: StoredDayProof = { date, root: 'ab'.repeat(32), count: 2, signature: 'h.p.s' };
      expect(await journal.putProof(first)).toEqual(first);
      expect(await journal.putProof({ ...first, root: 'cd'.repeat(32), count: 3 })).toEqual(first);
      expect(await journal.getProof(date)).toEqual(first);
      expect(await journal.getProof(uniqueDate())).toBeUndefined();
    });
  });
}
