import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Budget } from '../../../functions/finance/domain/budget';
import { Reconciliations } from '../../../functions/finance/domain/reconciliation';
import { SeparationReports, separationReport } from '../../../functions/finance/domain/separation';
import { importStatement } from '../../../functions/finance/domain/statement';
import { linesOf } from '../../../functions/finance/domain/statementCsv';
import { clockAt } from '../../../functions/shared/domain/clock';
import type { Principal } from '../../../functions/shared/domain/principal';
import { DomainError } from '../../../functions/shared/domain/errors';
import { hashTransaction, type LedgerTransaction } from '../../../functions/ledger/domain/ledger';
import type { PaymentRecord } from '../../../schemas/records';
import {
  matchingStatementRows,
  paymentRecord,
  paymentTransaction,
  refundTransaction,
  statementCsv,
} from './dayFixtures';
import { MemoryBooks } from './memoryBooks';
import { theSigner } from '../../../functions/shared/wiring';

const sign = (p: object) => theSigner('dayProof').sign(p);

const DAYS = ['2026-03-01', '2026-03-02', '2026-03-03'];
const DEPTS = ['D01', 'D02', 'D03'];
const finance: Principal = { role: 'finance', sub: 'finance:li' };
const dept = (d: string): Principal => ({ role: 'department', sub: `dept:${d}`, dept: d });

type Op =
  | { op: 'pay'; day: number; channel: 'cash' | 'card' | 'online'; split: { dept: number; amount: number }[] }
  | { op: 'refund'; nth: number; amount: number }
  | { op: 'allocate'; day: number; dept: number; amount: number }
  | { op: 'spend'; nth: number; asDept: number; amount: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('pay' as const),
    day: fc.integer({ min: 0, max: 2 }),
    channel: fc.constantFrom('cash' as const, 'card' as const, 'online' as const),
    split: fc.array(fc.record({ dept: fc.integer({ min: 0, max: 2 }), amount: fc.integer({ min: 1, max: 100_000 }) }), {
      minLength: 1,
      maxLength: 3,
    }),
  }),
  fc.record({ op: fc.constant('refund' as const), nth: fc.nat(), amount: fc.integer({ min: 1, max: 50_000 }) }),
  fc.record({
    op: fc.constant('allocate' as const),
    day: fc.integer({ min: 0, max: 2 }),
    dept: fc.integer({ min: 0, max: 2 }),
    amount: fc.integer({ min: 1, max: 1_000_000 }),
  }),
  fc.record({
    op: fc.constant('spend' as const),
    nth: fc.nat(),
    asDept: fc.integer({ min: 0, max: 2 }),
    amount: fc.integer({ min: 1, max: 600_000 }),
  }),
);

describe('revenue–expenditure separation (property)', () => {
  it('holds over a random mix of payments, refunds, allocations and expenditures, with closed and open days', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), fc.boolean(), async (ops, missingLine) => {
        const books = new MemoryBooks();
        for (const d of DEPTS) books.departments.add(d);
        let day = DAYS[0]!;
        const clock = clockAt(() => new Date(`${day}T04:00:00.000Z`)); // noon in Beijing on whatever `day` is now
        const budget = new Budget({ store: books, departments: books, clock });
        const model = new Map(DEPTS.map((d) => [d, { collected: 0, refunded: 0, allocated: 0, spent: 0 }]));
        const payments: PaymentRecord[] = [];
        const refundedOf = new Map<string, number>();
        const allocations: { id: string; dept: string; remaining: number }[] = [];

        for (const [i, op] of ops.entries()) {
          if (op.op === 'pay') {
            day = DAYS[op.day]!;
            const lines = op.split.map((s, j) => ({
              departmentId: DEPTS[s.dept]!,
              feeCode: `F${j}`,
              amount: s.amount,
            }));
            const p = paymentRecord(day, {
              paymentId: `P${i}`,
              channel: op.channel,
              amount: lines.reduce((a, l) => a + l.amount, 0),
              lines,
            });
            payments.push(p);
            books.payments.push(p);
            await books.post(paymentTransaction(p));
            for (const l of lines) model.get(l.departmentId)!.collected += l.amount;
          } else if (op.op === 'refund' && payments.length) {
            // Refunds of the first line, within what is left; posted on the payment's own (open) day.
            const p = payments[op.nth % payments.length]!;
            const left = p.lines[0]!.amount - (refundedOf.get(p.paymentId) ?? 0);
            const amount = Math.min(op.amount, left);
            if (amount <= 0) continue;
            refundedOf.set(p.paymentId, (refundedOf.get(p.paymentId) ?? 0) + amount);
            await books.refund(
              p,
              `R${i}`,
              amount,
              p.businessDate,
              refundTransaction(p, `R${i}`, amount, p.businessDate),
            );
            model.get(p.lines[0]!.departmentId)!.refunded += amount;
          } else if (op.op === 'allocate') {
            day = DAYS[op.day]!;
            const a = await budget.allocate(
              { departmentId: DEPTS[op.dept]!, fiscalYear: 2026, amount: op.amount, purpose: 'operations' },
              finance,
            );
            allocations.push({ id: a.allocationId, dept: a.departmentId, remaining: a.amount });
            model.get(a.departmentId)!.allocated += a.amount;
          } else if (op.op === 'spend' && allocations.length) {
            const a = allocations[op.nth % allocations.length]!;
            const asDept = DEPTS[op.asDept]!;
            const attempt = budget.spend(
              { allocationId: a.id, amount: op.amount, payee: 'Supplier Ltd', purpose: 'paper' },
              dept(asDept),
            );
            if (asDept !== a.dept) await expect(attempt).rejects.toMatchObject({ type: 'forbidden' });
            else if (op.amount > a.remaining)
              await expect(attempt).rejects.toMatchObject({ type: 'allocation-exceeded' });
            else {
              expect((await attempt).remaining).toBe(a.remaining - op.amount);
              a.remaining -= op.amount;
              model.get(a.dept)!.spent += op.amount;
            }
          }
        }

        // Close the first day (optionally with a payment missing in the bank, parked in suspense); later days stay open.
        const closeDay = DAYS[0]!;
        day = '2026-03-04';
        const dayPayments = payments.filter((p) => p.businessDate === closeDay);
        let rows = matchingStatementRows(closeDay, dayPayments);
        const dropped = missingLine && rows.length ? rows[0] : undefined;
        if (dropped) rows = rows.slice(1);
        const recon = new Reconciliations({
          statements: books,
          runs: books,
          journal: books,
          payments: books,
          clock,
          sign,
        });
        const s = await importStatement(
          linesOf(statementCsv(rows)),
          { date: closeDay, source: 'api', importedBy: finance.sub, importedAt: 'x' },
          books,
        );
        const run = await recon.run({ businessDate: closeDay, statementIds: [s.statementId] }, finance);
        for (const d of [...run.summary.paymentsMissingInBank])
          await recon.resolve(run.id, { itemRef: d.itemRef, action: 'suspense', note: 'ask the bank' }, finance);
        await recon.accept(run.id, finance);

        const report = await new SeparationReports({ settlements: books, journal: books }).report({
          from: DAYS[0]!,
          to: '2026-03-04',
        });
        for (const c of report.checks) expect(c, c.name).toMatchObject({ ok: true });
        for (const row of report.rows) {
          const m = model.get(row.departmentId)!;
          expect(row).toMatchObject({
            collected: m.collected,
            refunded: m.refunded,
            allocated: m.allocated,
            spent: m.spent,
          });
          expect(row.settledToFiscal + row.inSuspense + row.inClearing).toBe(m.collected);
          expect(row.spent).toBeLessThanOrEqual(row.allocated);
        }
        const openCollected = payments.filter((p) => p.businessDate !== closeDay).flatMap((p) => p.lines);
        for (const d of DEPTS) {
          const row = report.rows.find((r) => r.departmentId === d);
          if (row)
            expect(row.inClearing).toBe(
              openCollected.filter((l) => l.departmentId === d).reduce((a, l) => a + l.amount, 0),
            );
        }
        // No transaction ever touches both lines; expenditure-line accounts appear only in allocation/expenditure transactions.
        for (const tx of books.txs.values()) {
          const exp = tx.postings.filter((p) => p.account.startsWith('exp:')).length;
          expect(exp === 0 || exp === tx.postings.length).toBe(true);
          if (exp) expect(['allocation', 'expenditure']).toContain(tx.kind);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('fails its checks on a journal where collected money reached a spending account or a transaction was altered', () => {
    const seal = (tx: Omit<LedgerTransaction, 'hash'>): LedgerTransaction => ({ ...tx, hash: hashTransaction(tx) });
    // Written around buildTransaction, as a tampered table would hold it.
    const zuozhi = seal({
      id: 'bad-1',
      kind: 'payment',
      ref: 'x',
      businessDate: '2026-03-01',
      createdAt: 'x',
      postings: [
        { account: 'clr:cash', debit: 100, credit: 0 },
        { account: 'exp:allocation:D01:AL-1', debit: 0, credit: 100 },
      ],
    });
    const altered = {
      ...seal({
        id: 'ok-1',
        kind: 'payment',
        ref: 'y',
        businessDate: '2026-03-01',
        createdAt: 'x',
        postings: [
          { account: 'clr:card', debit: 5, credit: 0 },
          { account: 'rev:D01:F', debit: 0, credit: 5 },
        ],
      }),
    };
    altered.postings = [
      { account: 'clr:card', debit: 6, credit: 0 },
      { account: 'rev:D01:F', debit: 0, credit: 5 },
    ];
    const { checks } = separationReport([zuozhi, altered], new Map());
    const failed = checks
      .filter((c) => !c.ok)
      .map((c) => c.name)
      .sort();
    expect(failed).toEqual([
      'lines-never-meet',
      'no-collections-reach-spending-accounts',
      'transactions-balanced',
      'transactions-unaltered',
      'trial-balance-balanced',
    ]);
  });

  it('refuses an expenditure by another department (403) and beyond the allocation (422)', async () => {
    const books = new MemoryBooks();
    books.departments.add('D01');
    const budget = new Budget({ store: books, departments: books, clock: clockAt('2026-03-01T04:00:00Z') });
    const a = await budget.allocate({ departmentId: 'D01', fiscalYear: 2026, amount: 1000, purpose: 'ops' }, finance);
    await expect(
      budget.spend({ allocationId: a.allocationId, amount: 1, payee: 'p', purpose: 'x' }, dept('D02')),
    ).rejects.toMatchObject({ type: 'forbidden', status: 403 });
    await expect(
      budget.spend({ allocationId: a.allocationId, amount: 1001, payee: 'p', purpose: 'x' }, dept('D01')),
    ).rejects.toMatchObject({ type: 'allocation-exceeded', status: 422 });
    expect(
      (await budget.spend({ allocationId: a.allocationId, amount: 1000, payee: 'p', purpose: 'x' }, dept('D01')))
        .remaining,
    ).toBe(0);
    await expect(
      budget.spend({ allocationId: 'AL-NOPE', amount: 1, payee: 'p', purpose: 'x' }, dept('D01')),
    ).rejects.toBeInstanceOf(DomainError);
    await expect(
      budget.allocate({ departmentId: 'D09', fiscalYear: 2026, amount: 1, purpose: 'x' }, finance),
    ).rejects.toMatchObject({ type: 'department-unknown' });
  });
});
