import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchDay, type MatchResult } from '../../../functions/finance/domain/matching';
import type { StatementLine } from '../../../functions/finance/domain/statementCsv';
import type { Channel, PaymentRecord } from '../../../schemas/records';
import { matchingStatementRows, paymentRecord, type StatementRow } from './dayFixtures';

const DATE = '2026-03-01';
const toLines = (rows: StatementRow[]): StatementLine[] =>
  rows.map((r, i) => ({
    row: i + 2,
    bankRef: r.bankRef,
    valueDate: r.valueDate,
    amount: r.amount,
    channel: r.channel,
    noticeNo: r.noticeNo ?? null,
    windowId: r.windowId ?? null,
  }));

const refsOf = (r: MatchResult) => ({
  paymentsMissingInBank: r.paymentsMissingInBank.map((d) => d.itemRef).sort(),
  bankLinesMissingInLedger: r.bankLinesMissingInLedger.map((d) => d.itemRef).sort(),
  amountMismatches: r.amountMismatches.map((d) => d.itemRef).sort(),
  duplicates: r.duplicates.map((d) => d.itemRef).sort(),
});

/** A day: payments on every channel, several cash windows; amounts in fen. */
const dayArb = fc
  .array(
    fc.record({
      channel: fc.constantFrom<Channel>('cash', 'card', 'transfer', 'online'),
      amount: fc.integer({ min: 1, max: 5_000_000 }),
      window: fc.integer({ min: 1, max: 4 }),
    }),
    { minLength: 1, maxLength: 60 },
  )
  .map((specs) =>
    specs.map((s, i) =>
      paymentRecord(DATE, { paymentId: `P${i}`, channel: s.channel, amount: s.amount, windowId: `W0${s.window}` }),
    ),
  );

type Injection = 'missing' | 'extra' | 'changed' | 'duplicated' | 'cash-off-by-one';

describe('reconciliation matching (property)', () => {
  it('finds exactly the injected differences, whatever the line order', async () => {
    await fc.assert(
      fc.asyncProperty(
        dayArb,
        fc.array(
          fc.record({
            kind: fc.constantFrom<Injection>('missing', 'extra', 'changed', 'duplicated', 'cash-off-by-one'),
            pick: fc.nat(),
            delta: fc.integer({ min: 1, max: 10_000 }),
          }),
          { maxLength: 8 },
        ),
        fc.infiniteStream(fc.nat()),
        async (payments, injections, shuffleSeed) => {
          const rows = matchingStatementRows(DATE, payments);
          const expected = {
            paymentsMissingInBank: [] as string[],
            bankLinesMissingInLedger: [] as string[],
            amountMismatches: [] as string[],
            duplicates: [] as string[],
          };
          const key = (r: StatementRow) => (r.channel === 'cash' ? `cash:${r.windowId}` : `${r.channel}:${r.bankRef}`);
          const touched = new Set<string>(); // each statement line is the target of at most one injection
          const extra: StatementRow[] = [];
          const removed = new Set<number>();
          let extraNo = 0;
          for (const inj of injections) {
            if (inj.kind === 'extra') {
              const r: StatementRow = {
                bankRef: `XTRA${extraNo++}`,
                valueDate: DATE,
                amount: inj.delta,
                channel: 'transfer',
              };
              extra.push(r);
              expected.bankLinesMissingInLedger.push(`ML:${key(r)}`);
              continue;
            }
            const candidates = rows
              .map((r, i) => ({ r, i }))
              .filter(
                ({ r }) => !touched.has(key(r)) && (inj.kind === 'cash-off-by-one' ? r.channel === 'cash' : true),
              );
            if (!candidates.length) continue;
            const { r, i } = candidates[inj.pick % candidates.length]!;
            touched.add(key(r));
            switch (inj.kind) {
              case 'missing':
                removed.add(i);
                expected.paymentsMissingInBank.push(`MB:${key(r)}`);
                break;
              case 'changed':
                rows[i] = { ...r, amount: r.amount + inj.delta };
                expected.amountMismatches.push(`AM:${key(r)}`);
                break;
              case 'cash-off-by-one':
                rows[i] = { ...r, amount: r.amount + (inj.delta % 2 ? 1 : r.amount > 1 ? -1 : 1) };
                expected.amountMismatches.push(`AM:${key(r)}`);
                break;
              case 'duplicated':
                extra.push({ ...r });
                expected.duplicates.push(`DU:${key(r)}:2`);
                break;
            }
          }
          const statement = [...rows.filter((_, i) => !removed.has(i)), ...extra];
          // Shuffle: the result must not depend on the order the bank lists its lines in.
          const seeds = shuffleSeed.take(statement.length);
          const shuffled = statement
            .map((r, i) => ({ r, s: seeds.next().value as number, i }))
            .sort((a, b) => a.s - b.s || a.i - b.i)
            .map((x) => x.r);
          // A duplicate placed before its original swaps which one counts as the duplicate, not the set of itemRefs.

          const result = await matchDay(payments, [{ statementId: 'S1', lines: toLines(shuffled) }]);
          for (const k of Object.keys(expected) as (keyof typeof expected)[]) expected[k].sort();
          expect(refsOf(result)).toEqual(expected);

          // Matched money is exactly what was not disturbed.
          const disturbed = new Set(
            [...expected.paymentsMissingInBank, ...expected.amountMismatches].map((x) => x.slice(3)),
          );
          const undisturbed = payments.filter(
            (p) => !disturbed.has(p.channel === 'cash' ? `cash:${p.windowId}` : `${p.channel}:${p.bankRef}`),
          );
          expect(result.matchedCount).toBe(undisturbed.length);
          expect(result.matchedAmount).toBe(undisturbed.reduce((a, p) => a + p.amount, 0));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reports a cash deposit off by one fen with both amounts', async () => {
    const payments: PaymentRecord[] = [
      paymentRecord(DATE, { paymentId: 'A', channel: 'cash', amount: 1999, windowId: 'W07' }),
      paymentRecord(DATE, { paymentId: 'B', channel: 'cash', amount: 10, windowId: 'W07' }),
    ];
    const result = await matchDay(payments, [
      { lines: toLines([{ bankRef: 'DEP', valueDate: DATE, amount: 2008, channel: 'cash', windowId: 'W07' }]) },
    ]);
    expect(result.amountMismatches).toEqual([
      expect.objectContaining({
        itemRef: 'AM:cash:W07',
        kind: 'amount-mismatch',
        windowId: 'W07',
        expected: 2009,
        actual: 2008,
      }),
    ]);
    expect(result.matchedCount).toBe(0);
  });

  it('gives a difference the same itemRef in every run over the same data', async () => {
    const payments = [
      paymentRecord(DATE, { paymentId: 'A', channel: 'card', amount: 500 }),
      paymentRecord(DATE, { paymentId: 'B', channel: 'online', amount: 700 }),
    ];
    const lines = toLines([
      { bankRef: 'BRA', valueDate: DATE, amount: 501, channel: 'card' },
      { bankRef: 'ZZ', valueDate: DATE, amount: 1, channel: 'card' },
    ]);
    const a = await matchDay(payments, [{ lines }]);
    const b = await matchDay([...payments].reverse(), [{ lines }]);
    expect(refsOf(a)).toEqual(refsOf(b));
    expect(refsOf(a)).toEqual({
      paymentsMissingInBank: ['MB:online:BRB'],
      bankLinesMissingInLedger: ['ML:card:ZZ'],
      amountMismatches: ['AM:card:BRA'],
      duplicates: [],
    });
  });
});
