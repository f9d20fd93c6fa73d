import { beforeEach, describe, expect, it } from 'vitest';
import { settlementPostings } from '../../../functions/finance/domain/dayClose';
import { Reconciliations } from '../../../functions/finance/domain/reconciliation';
import { resolutionPostings } from '../../../functions/finance/domain/resolution';
import { importStatement } from '../../../functions/finance/domain/statement';
import { linesOf } from '../../../functions/finance/domain/statementCsv';
import type { Difference } from '../../../functions/finance/domain/matching';
import { checkDay } from '../../../functions/ledger/domain/dayProof';
import { theSigner } from '../../../functions/shared/wiring';
import type { Principal } from '../../../functions/shared/domain/principal';
import { DomainError } from '../../../functions/shared/domain/errors';
import { clockAt } from '../../../functions/shared/domain/clock';
import { assertInvariants, buildTransaction, lineOf, trialBalance } from '../../../functions/ledger/domain/ledger';
import {
  matchingStatementRows,
  paymentRecord,
  paymentTransaction,
  refundTransaction,
  statementCsv,
  type StatementRow,
} from './dayFixtures';
import { MemoryBooks } from './memoryBooks';

const sign = (p: object) => theSigner('dayProof').sign(p);

const DATE = '2026-03-01';
const finance: Principal = { role: 'finance', sub: 'finance:zhang' };
const clock = clockAt('2026-03-02T02:00:00.000Z'); // business date 2026-03-02 in Beijing

let books: MemoryBooks;
let recon: Reconciliations;

async function seedDay(payments = defaultPayments()) {
  for (const p of payments) {
    books.payments.push(p);
    await books.post(paymentTransaction(p));
  }
  return payments;
}

function defaultPayments() {
  return [
    paymentRecord(DATE, {
      paymentId: 'C1',
      channel: 'card',
      amount: 1999,
      lines: [{ departmentId: 'D01', feeCode: 'F1', amount: 1999 }],
    }),
    paymentRecord(DATE, {
      paymentId: 'C2',
      channel: 'card',
      amount: 5000,
      lines: [{ departmentId: 'D02', feeCode: 'F2', amount: 5000 }],
    }),
    paymentRecord(DATE, {
      paymentId: 'T1',
      channel: 'transfer',
      amount: 100000001,
      lines: [
        { departmentId: 'D01', feeCode: 'F1', amount: 1 },
        { departmentId: 'D02', feeCode: 'F2', amount: 100000000 },
      ],
    }),
    paymentRecord(DATE, { paymentId: 'K1', channel: 'cash', amount: 10, windowId: 'W01' }),
    paymentRecord(DATE, { paymentId: 'K2', channel: 'cash', amount: 20, windowId: 'W01' }),
    paymentRecord(DATE, { paymentId: 'O1', channel: 'online', amount: 700 }),
  ];
}

async function statement(rows: StatementRow[], date = DATE) {
  return importStatement(
    linesOf(statementCsv(rows)),
    { date, source: 'api', importedBy: finance.sub, importedAt: clock.now().toISOString() },
    books,
  );
}

const rejects = async (p: Promise<unknown>, type: string) => {
  const e = await p.catch((x: unknown) => x);
  expect(e).toBeInstanceOf(DomainError);
  expect((e as DomainError).type).toBe(type);
  return e as DomainError;
};

beforeEach(() => {
  books = new MemoryBooks();
  recon = new Reconciliations({ statements: books, runs: books, journal: books, payments: books, clock, sign });
});

describe('reconcile, resolve, accept', () => {
  it('settles a clean day from clearing to the fiscal account and closes it with a verifiable signed proof', async () => {
    const payments = await seedDay();
    const s = await statement(matchingStatementRows(DATE, payments));
    const run = await recon.run({ businessDate: DATE, statementIds: [s.statementId] }, finance);
    expect(run).toMatchObject({
      status: 'open',
      version: 1,
      unresolved: 0,
      summary: { matchedCount: 6, matchedAmount: 1999 + 5000 + 100000001 + 30 + 700 },
    });

    const accepted = await recon.accept(run.id, finance);
    expect(accepted.status).toBe('closed');
    const settlement = books.txs.get(`settle-${DATE}`)!;
    expect(settlement.kind).toBe('settlement');
    expect(settlement.postings).toEqual([
      { account: 'fis:special-account', debit: 100007730, credit: 0 },
      { account: 'clr:card', debit: 0, credit: 6999 },
      { account: 'clr:cash', debit: 0, credit: 30 },
      { account: 'clr:online', debit: 0, credit: 700 },
      { account: 'clr:transfer', debit: 0, credit: 100000001 },
    ]);
    // Every channel's clearing nets to zero over the closed day.
    const tb = trialBalance(await books.transactionsOfDay(DATE));
    for (const row of tb.accounts.filter((a) => a.line === 'clearing')) expect(row.balance).toBe(0);
    // The proof covers the settlement and verifies (hashes, root, count, signature).
    expect(accepted.proof.count).toBe(payments.length + 1);
    expect(checkDay(accepted.proof, await books.transactionsOfDay(DATE), await theSigner('dayProof').jwks()).ok).toBe(
      true,
    );
    // Per-department split for the separation report.
    expect(books.settlements.get(DATE)!.byDepartment).toEqual({
      D01: { settled: 1999 + 1 + 30 + 700, parked: 0 },
      D02: { settled: 5000 + 100000000, parked: 0 },
    });
    // A retried accept answers the same; the closed day refuses any further posting.
    expect(await recon.accept(run.id, finance)).toEqual({ ...accepted, replayed: true });
    await rejects(books.post(refundTransaction(payments[0]!, 'R1', 100, DATE)), 'day-closed');
    await rejects(recon.run({ businessDate: DATE, statementIds: [s.statementId] }, finance), 'day-closed');
  });

  it('refuses to accept with unresolved differences, and a day that has not ended', async () => {
    const payments = await seedDay();
    const rows = matchingStatementRows(DATE, payments).filter((r) => r.bankRef !== 'BRC1');
    const run = await recon.run({ businessDate: DATE, statementIds: [(await statement(rows)).statementId] }, finance);
    const e = await rejects(recon.accept(run.id, finance), 'unresolved-differences');
    expect(e.errors).toEqual([{ path: 'MB:card:BRC1', message: 'payment-missing-in-bank is unresolved' }]);

    const today = new Reconciliations({
      statements: books,
      runs: books,
      journal: books,
      payments: books,
      clock: { ...clock, today: () => DATE },
      sign,
    });
    await recon.resolve(
      run.id,
      { itemRef: 'MB:card:BRC1', action: 'matched-manually', note: 'bank confirmed by phone' },
      finance,
    );
    await rejects(today.accept(run.id, finance), 'day-not-over');
  });

  it('posts a balanced adjustment for each money-moving resolution and settles exactly what remains in clearing', async () => {
    const payments = await seedDay();
    const rows = matchingStatementRows(DATE, payments)
      .filter((r) => r.bankRef !== 'BRC1') // card C1 missing in bank
      .map((r) => (r.bankRef === 'BRC2' ? { ...r, amount: 5100 } : r.channel === 'cash' ? { ...r, amount: 29 } : r)); // C2 +100, cash −1 fen
    rows.push(
      { bankRef: 'UNKNOWN', valueDate: DATE, amount: 333, channel: 'transfer' },
      { ...rows.find((r) => r.bankRef === 'BRO1')! },
    );
    const run = await recon.run({ businessDate: DATE, statementIds: [(await statement(rows)).statementId] }, finance);
    expect(run.unresolved).toBe(5);
    const refs = [
      ...run.summary.paymentsMissingInBank,
      ...run.summary.bankLinesMissingInLedger,
      ...run.summary.amountMismatches,
      ...run.summary.duplicates,
    ]
      .map((d) => d.itemRef)
      .sort();
    expect(refs).toEqual(['AM:card:BRC2', 'AM:cash:W01', 'DU:online:BRO1:2', 'MB:card:BRC1', 'ML:transfer:UNKNOWN']);

    const resolved = [
      await recon.resolve(run.id, { itemRef: 'MB:card:BRC1', action: 'suspense', note: 'ask the bank' }, finance),
      await recon.resolve(run.id, { itemRef: 'AM:card:BRC2', action: 'suspense', note: 'bank over-credited' }, finance),
      await recon.resolve(
        run.id,
        { itemRef: 'AM:cash:W01', action: 'write-off', note: 'one fen short at the counter' },
        finance,
      ),
      await recon.resolve(
        run.id,
        { itemRef: 'ML:transfer:UNKNOWN', action: 'suspense', note: 'unidentified credit' },
        finance,
      ),
      await recon.resolve(
        run.id,
        { itemRef: 'DU:online:BRO1:2', action: 'matched-manually', note: 'bank will reverse it' },
        finance,
      ),
    ];
    expect(resolved.map((r) => [r.decidedBy, r.adjustmentTxId !== null])).toEqual([
      [finance.sub, true],
      [finance.sub, true],
      [finance.sub, true],
      [finance.sub, true],
      [finance.sub, false],
    ]);
    for (const r of resolved.filter((x) => x.adjustmentTxId)) {
      const tx = books.txs.get(r.adjustmentTxId!)!;
      expect(tx.kind).toBe('adjustment');
      expect(() => assertInvariants(tx)).not.toThrow();
      expect(tx.postings.every((p) => ['clearing', 'fiscal', 'suspense'].includes(lineOf(p.account)))).toBe(true);
    }
    await recon.accept(run.id, finance);
    const tb = trialBalance(await books.transactionsOfDay(DATE));
    const balance = (a: string) => tb.accounts.find((x) => x.account === a)?.balance ?? 0;
    for (const row of tb.accounts.filter((a) => a.line === 'clearing')) expect(row.balance).toBe(0);
    // The fiscal account holds what the bank credited: matched + C2's 5100 + cash 29 + the unknown 333 (the duplicate was matched manually: not booked).
    expect(balance('fis:special-account')).toBe(100000001 + 700 + 5100 + 29 + 333);
    expect(balance('sus:reconciliation')).toBe(1999 - 100 - 333); // C1 receivable, C2 over-credit and unknown credit owed
    expect(balance('sus:write-off')).toBe(1);
    expect(books.settlements.get(DATE)!.byDepartment.D01!.parked).toBe(1999);
  });

  it('nets the day’s refunds out of the settlement', async () => {
    const payments = await seedDay();
    await books.refund(payments[1]!, 'R1', 1200, DATE, refundTransaction(payments[1]!, 'R1', 1200, DATE));
    const run = await recon.run(
      { businessDate: DATE, statementIds: [(await statement(matchingStatementRows(DATE, payments))).statementId] },
      finance,
    );
    await recon.accept(run.id, finance);
    expect(books.txs.get(`settle-${DATE}`)!.postings.find((p) => p.account === 'clr:card')).toEqual({
      account: 'clr:card',
      debit: 0,
      credit: 6999 - 1200,
    });
    for (const row of trialBalance(await books.transactionsOfDay(DATE)).accounts.filter((a) => a.line === 'clearing'))
      expect(row.balance).toBe(0);
  });

  it('records one decision per difference: a retry replays, a different decision is refused', async () => {
    const payments = await seedDay();
    const run = await recon.run(
      {
        businessDate: DATE,
        statementIds: [(await statement(matchingStatementRows(DATE, payments).slice(1))).statementId],
      },
      finance,
    );
    const input = { itemRef: 'MB:card:BRC1', action: 'suspense' as const, note: 'ask the bank' };
    const first = await recon.resolve(run.id, input, finance);
    expect(await recon.resolve(run.id, input, finance)).toEqual(first);
    await rejects(recon.resolve(run.id, { ...input, action: 'write-off' }, finance), 'difference-already-resolved');
    await rejects(recon.resolve(run.id, { ...input, itemRef: 'MB:card:NOPE' }, finance), 'difference-unknown');
    await rejects(recon.resolve('RC-20260301-V009', input, finance), 'not-found');
  });

  it('re-runs as a new version: the earlier stays readable, identical decisions carry over, vanished adjustments are reversed', async () => {
    const payments = await seedDay();
    const full = matchingStatementRows(DATE, payments);
    const partial = await statement(full.filter((r) => r.bankRef !== 'BRC1' && r.bankRef !== 'BRC2'));
    const v1 = await recon.run({ businessDate: DATE, statementIds: [partial.statementId] }, finance);
    const c1 = await recon.resolve(
      v1.id,
      { itemRef: 'MB:card:BRC1', action: 'suspense', note: 'ask the bank' },
      finance,
    );
    await recon.resolve(v1.id, { itemRef: 'MB:card:BRC2', action: 'suspense', note: 'ask the bank' }, finance);

    // The bank sends the missing C2 line in a second file: v2 no longer has that difference.
    const late = await statement(full.filter((r) => r.bankRef === 'BRC2'));
    const v2 = await recon.run({ businessDate: DATE, statementIds: [partial.statementId, late.statementId] }, finance);
    expect(v2.version).toBe(2);
    expect(v2.summary.paymentsMissingInBank.map((d) => [d.itemRef, d.resolution?.inheritedFrom])).toEqual([
      ['MB:card:BRC1', v1.id],
    ]);
    expect(v2.unresolved).toBe(0);
    const v1Again = await recon.get(v1.id);
    expect(v1Again).toMatchObject({ version: 1, latest: false, unresolved: 0 });
    await rejects(
      recon.resolve(v1.id, { itemRef: 'MB:card:BRC1', action: 'suspense', note: 'x' }, finance),
      'reconciliation-superseded',
    );
    await rejects(recon.accept(v1.id, finance), 'reconciliation-superseded');

    await recon.accept(v2.id, finance);
    const tb = trialBalance(await books.transactionsOfDay(DATE));
    const balance = (a: string) => tb.accounts.find((x) => x.account === a)?.balance ?? 0;
    expect(balance('sus:reconciliation')).toBe(1999); // only C1 stays parked; C2's adjustment was reversed
    for (const row of tb.accounts.filter((a) => a.line === 'clearing')) expect(row.balance).toBe(0);
    expect(books.txs.has(`rev-${c1.adjustmentTxId}`)).toBe(false);
  });

  it('completes before accepting a reversal that a crash interrupted after the re-run was created', async () => {
    const payments = await seedDay();
    const full = matchingStatementRows(DATE, payments);
    const partial = await statement(full.filter((r) => r.bankRef !== 'BRC2'));
    const v1 = await recon.run({ businessDate: DATE, statementIds: [partial.statementId] }, finance);
    const parked = await recon.resolve(
      v1.id,
      { itemRef: 'MB:card:BRC2', action: 'suspense', note: 'ask the bank' },
      finance,
    );

    // The process dies between storing run v2 and posting the reversal of v1's (now baseless) adjustment.
    let crash = true;
    const crashingJournal = new Proxy(books, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (prop !== 'post' || typeof value !== 'function')
          return typeof value === 'function' ? value.bind(target) : value;
        return async (tx: { id: string }) => {
          if (crash && tx.id.startsWith('rev-')) {
            crash = false;
            throw new Error('injected crash');
          }
          return (value as (t: unknown) => Promise<unknown>).call(target, tx);
        };
      },
    });
    const crashing = new Reconciliations({
      statements: books,
      runs: books,
      journal: crashingJournal,
      payments: books,
      clock,
      sign,
    });
    const late = await statement(full.filter((r) => r.bankRef === 'BRC2'));
    await expect(
      crashing.run({ businessDate: DATE, statementIds: [partial.statementId, late.statementId] }, finance),
    ).rejects.toThrow('injected crash');
    expect(books.txs.has(`rev-${parked.adjustmentTxId}`)).toBe(false);

    const v2 = await recon.get(`RC-${DATE.replaceAll('-', '')}-V002`);
    expect(v2.unresolved).toBe(0);
    await recon.accept(v2.id, finance);
    expect(books.txs.has(`rev-${parked.adjustmentTxId}`)).toBe(true);
    const tb = trialBalance(await books.transactionsOfDay(DATE));
    expect(tb.accounts.find((a) => a.account === 'sus:reconciliation')?.balance ?? 0).toBe(0);
    for (const row of tb.accounts.filter((a) => a.line === 'clearing')) expect(row.balance).toBe(0);
  });

  it('keeps one adjustment per difference when a difference changes and changes back across runs', async () => {
    const payments = await seedDay();
    const rows = matchingStatementRows(DATE, payments);
    const over = (n: number) => rows.map((r) => (r.bankRef === 'BRC2' ? { ...r, amount: 5000 + n } : r));
    const a = await statement(over(100));
    const b = await statement(over(200));
    const v1 = await recon.run({ businessDate: DATE, statementIds: [a.statementId] }, finance);
    await recon.resolve(v1.id, { itemRef: 'AM:card:BRC2', action: 'suspense', note: 'over-credited 100' }, finance);
    const v2 = await recon.run({ businessDate: DATE, statementIds: [b.statementId] }, finance);
    expect(v2.unresolved).toBe(1); // the amount changed: the decision does not carry over, its adjustment is reversed
    const v3 = await recon.run({ businessDate: DATE, statementIds: [a.statementId] }, finance);
    await recon.resolve(
      v3.id,
      { itemRef: 'AM:card:BRC2', action: 'suspense', note: 'over-credited 100 after all' },
      finance,
    );
    await recon.accept(v3.id, finance);
    const tb = trialBalance(await books.transactionsOfDay(DATE));
    const balance = (acc: string) => tb.accounts.find((x) => x.account === acc)?.balance ?? 0;
    expect(balance('sus:reconciliation')).toBe(-100);
    expect(balance('fis:special-account')).toBe(1999 + 5100 + 100000001 + 30 + 700);
    for (const row of tb.accounts.filter((x) => x.line === 'clearing')) expect(row.balance).toBe(0);
  });

  it('refuses statements of another day or unknown ones, naming the field', async () => {
    const other = await statement([{ bankRef: 'X', valueDate: DATE, amount: 1, channel: 'card' }], '2026-02-28');
    const e = await rejects(
      recon.run({ businessDate: DATE, statementIds: [other.statementId, 'ST-NOPE'] }, finance),
      'statement-unknown',
    );
    expect(e.errors?.map((x) => x.path)).toEqual(['statementIds.0', 'statementIds.1']);
  });
});

describe('resolution and settlement postings', () => {
  const diff = (d: Partial<Difference>): Difference => ({
    itemRef: 'X',
    kind: 'amount-mismatch',
    channel: 'card',
    ...d,
  });
  it('are balanced, never touch revenue or expenditure, and matched-manually moves nothing', () => {
    const cases: Difference[] = [
      diff({ kind: 'payment-missing-in-bank', expected: 500 }),
      diff({ kind: 'bank-line-missing-in-ledger', actual: 700 }),
      diff({ kind: 'duplicate', actual: 700 }),
      diff({ kind: 'amount-mismatch', expected: 500, actual: 501 }),
      diff({ kind: 'amount-mismatch', expected: 500, actual: 499 }),
    ];
    for (const d of cases) {
      expect(resolutionPostings(d, 'matched-manually')).toEqual([]);
      for (const action of ['suspense', 'write-off'] as const) {
        const tx = buildTransaction({
          id: 't',
          kind: 'adjustment',
          ref: 'r',
          businessDate: DATE,
          createdAt: 'x',
          postings: resolutionPostings(d, action),
        });
        expect(tx.postings.some((p) => ['revenue', 'expenditure'].includes(lineOf(p.account)))).toBe(false);
      }
    }
    expect(settlementPostings({ matchedByChannel: {}, differences: [] }, new Map())).toEqual([]);
  });
});
