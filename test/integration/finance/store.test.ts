import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { tableName } from '../../../functions/shared/wiring';
import { financeContext } from '../../../functions/finance/wiring';
import { catalogTable } from '../../../functions/catalog/wiring';
import { importStatement } from '../../../functions/finance/domain/statement';
import { linesOf, type StatementLine } from '../../../functions/finance/domain/statementCsv';
import type { Principal } from '../../../functions/shared/domain/principal';
import { documentClient as ddb } from '../../../functions/shared/wiring';
import type { DomainError } from '../../../functions/shared/domain/errors';
import { matchingStatementRows, paymentRecord, statementCsv, uniqueDate } from '../../unit/finance/dayFixtures';
import { seedPayments, seedRefund } from './seed';
import { uniq } from '../../support/api';

const finance: Principal = { role: 'finance', sub: 'finance:zhao' };
const ctx = financeContext();
const importOpts = (date: string) => ({
  date,
  source: 'api' as const,
  importedBy: finance.sub,
  importedAt: new Date().toISOString(),
});

describe('finance store on DynamoDB Local', () => {
  it('stores a statement in chunk partitions and streams it back; a bad row leaves nothing behind', async () => {
    const date = uniqueDate();
    const rows = Array.from({ length: 2345 }, (_, i) => ({
      bankRef: `R${i}`,
      valueDate: date,
      amount: 100 + i,
      channel: 'card' as const,
    }));
    const ok = await importStatement(linesOf(statementCsv(rows, { crlf: true })), importOpts(date), ctx.statements);
    expect(ok).toMatchObject({ lines: 2345, chunks: 3 });
    const back: StatementLine[] = [];
    for await (const c of ctx.statements.statementChunks(ok)) back.push(...c);
    expect(back.map((l) => l.amount)).toEqual(rows.map((r) => r.amount));
    expect(await ctx.statements.getStatement(ok.statementId)).toMatchObject({ date, lines: 2345, total: ok.total });

    const badId = `ST-BAD-${uniq()}`;
    const e = await importStatement(
      linesOf(statementCsv(rows) + 'X,2026-13-01,1.00,card,,\n'),
      { ...importOpts(date), statementId: badId },
      ctx.statements,
    ).catch((x: unknown) => x);
    expect(e).toMatchObject({
      type: 'statement-row-invalid',
      errors: [{ path: 'row 2347.valueDate', message: expect.any(String) }],
    });
    expect(await ctx.statements.getStatement(badId)).toBeUndefined();
    for (let n = 0; n < 3; n++)
      expect(
        (
          await ddb().send(
            new GetCommand({
              TableName: tableName('Finance'),
              Key: { pk: `STMT#${badId}#C${String(n).padStart(6, '0')}`, sk: 'CHUNK' },
            }),
          )
        ).Item,
      ).toBeUndefined();
  });

  it('never lets concurrent expenditures exceed the allocation', async () => {
    const dept = `D${uniq()}`;
    await catalogTable().putDepartment({ id: dept, name: 'test' });
    const a = await ctx.budget.allocate(
      { departmentId: dept, fiscalYear: 2026, amount: 1000, purpose: 'ops' },
      finance,
    );
    const who: Principal = { role: 'department', sub: `dept:${dept}`, dept };
    const results = await Promise.allSettled(
      Array.from({ length: 16 }, () =>
        ctx.budget.spend({ allocationId: a.allocationId, amount: 100, payee: 'Supplier', purpose: 'paper' }, who),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results
      .filter((r) => r.status === 'rejected')
      .map((r) => (r as PromiseRejectedResult).reason as DomainError);
    expect(ok).toHaveLength(10);
    expect(refused.every((e) => e.type === 'allocation-exceeded')).toBe(true);
    expect(await ctx.budgets.getAllocation(a.allocationId)).toMatchObject({ remaining: 0, spent: 1000 });
  });

  it('reconciles a day read from the Payments table, settles net of refunds, and reports it', async () => {
    const date = uniqueDate();
    const d1 = `D${uniq()}`;
    const payments = Array.from({ length: 40 }, (_, i) =>
      paymentRecord(date, {
        paymentId: `${date}-${d1}-${i}`,
        channel: (['cash', 'card', 'transfer', 'online'] as const)[i % 4]!,
        amount: 1000 + i,
        windowId: `W${i % 3}`,
        lines: [{ departmentId: d1, feeCode: 'F1', amount: 1000 + i }],
      }),
    );
    await seedPayments(payments);
    await seedRefund(payments[1]!, `${date}-R1`, 300, date);
    const rows = matchingStatementRows(date, payments);
    const missing = rows.find((r) => r.channel === 'card')!;
    const s = await importStatement(
      linesOf(statementCsv(rows.filter((r) => r !== missing))),
      importOpts(date),
      ctx.statements,
    );
    const run = await ctx.reconciliations.run({ businessDate: date, statementIds: [s.statementId] }, finance);
    expect(run.summary.paymentsMissingInBank.map((d) => d.itemRef)).toEqual([`MB:card:${missing.bankRef}`]);
    expect(run.summary.matchedCount).toBe(39);
    await ctx.reconciliations.resolve(
      run.id,
      { itemRef: `MB:card:${missing.bankRef}`, action: 'suspense', note: 'asked the bank' },
      finance,
    );
    await ctx.reconciliations.accept(run.id, finance);

    const report = await ctx.reports.report({ from: date, to: date, department: d1 });
    const total = payments.reduce((a, p) => a + p.amount, 0);
    expect(report.rows).toEqual([
      {
        departmentId: d1,
        collected: total,
        refunded: 300,
        settledToFiscal: total - missing.amount,
        inClearing: 0,
        inSuspense: missing.amount,
        allocated: 0,
        spent: 0,
      },
    ]);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('closes a day once under concurrent accepts, with one settlement and one proof', async () => {
    const date = uniqueDate();
    const payments = [
      paymentRecord(date, { paymentId: `${date}-A`, channel: 'card', amount: 500 }),
      paymentRecord(date, { paymentId: `${date}-B`, channel: 'cash', amount: 70, windowId: 'W9' }),
    ];
    await seedPayments(payments);
    const s = await importStatement(
      linesOf(statementCsv(matchingStatementRows(date, payments))),
      importOpts(date),
      ctx.statements,
    );
    const run = await ctx.reconciliations.run({ businessDate: date, statementIds: [s.statementId] }, finance);
    const [a, b] = await Promise.all([
      ctx.reconciliations.accept(run.id, finance),
      ctx.reconciliations.accept(run.id, finance),
    ]);
    expect(a.proof).toEqual(b.proof);
    expect((await ctx.journal.transactionsOfDay(date)).filter((t) => t.kind === 'settlement')).toHaveLength(1);
    expect(a.proof.count).toBe(3);
  });
});
