import { beforeAll, describe, expect, it } from 'vitest';
import { theClock } from '../../functions/shared/wiring';

const today = () => theClock().today();
import { financeDocs } from '../../schemas/finance';
import { seedPayments } from '../integration/finance/seed';
import { api, token, uniq } from '../support/api';
import { matchingStatementRows, paymentRecord, statementCsv, uniqueDate } from '../unit/finance/dayFixtures';

const { AcceptResult, BudgetAllocation, Expenditure, Reconciliation, Resolution, SeparationReport, StatementSummary } =
  financeDocs().schemas;

let financeToken: string;
let auditor: string;
let clerk: string;
let admin: string;

beforeAll(async () => {
  [financeToken, auditor, clerk, admin] = await Promise.all([
    token({ role: 'finance', sub: 'finance:api-test' }),
    token({ role: 'auditor' }),
    token({ role: 'clerk', window: 'W01' }),
    token({ role: 'admin' }),
  ]);
});

const postCsv = (date: string, csv: string, t = financeToken, contentType = 'text/csv') =>
  api('POST', `/v1/bank-statements?date=${date}`, { token: t, rawBody: csv, headers: { 'content-type': contentType } });

async function seededDay() {
  const date = uniqueDate();
  const payments = [
    paymentRecord(date, { paymentId: `${date}-${uniq()}`, channel: 'card', amount: 1999 }),
    paymentRecord(date, { paymentId: `${date}-${uniq()}`, channel: 'online', amount: 10 }),
    paymentRecord(date, { paymentId: `${date}-${uniq()}`, channel: 'cash', amount: 100000001, windowId: 'W02' }),
  ];
  await seedPayments(payments);
  return { date, payments };
}

describe('bank statements over HTTP', () => {
  it('imports a CSV with BOM and CRLF: 201 with lines and exact total', async () => {
    const { date, payments } = await seededDay();
    const res = await postCsv(date, statementCsv(matchingStatementRows(date, payments), { bom: true, crlf: true }));
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ statementId: expect.any(String), date, lines: 3, total: 1999 + 10 + 100000001 });
    expect(StatementSummary.safeParse(res.body).success).toBe(true);
  });

  it('answers 422 statement-row-invalid naming row and field, and stores nothing', async () => {
    const date = uniqueDate();
    const res = await postCsv(
      date,
      'bankRef,valueDate,amount,channel,noticeNo,windowId\nA,2026-03-01,1.00,card,,\nB,2026-03-01,12.5,card,,\n',
    );
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({
      type: expect.stringMatching(/statement-row-invalid$/),
      status: 422,
      errors: [{ path: 'row 3.amount', message: expect.any(String) }],
    });
  });

  it('sends statements above 5 MB to the S3 path (413)', async () => {
    const row = 'REF0000000000000000000000000000000000,2026-03-01,1234567.89,transfer,N000000000000,W01\n';
    const big =
      'bankRef,valueDate,amount,channel,noticeNo,windowId\n' +
      row.repeat(Math.ceil((5 * 1024 * 1024 + 1) / row.length));
    const res = await postCsv(uniqueDate(), big);
    expect(res.status).toBe(413);
    expect(res.body.detail).toContain('S3');
  });

  it('checks role, date and content type', async () => {
    expect((await postCsv('2026-03-01', 'x', clerk)).status).toBe(403);
    expect(
      (await api('POST', '/v1/bank-statements', { rawBody: 'x', headers: { 'content-type': 'text/csv' } })).status,
    ).toBe(401);
    const noDate = await api('POST', '/v1/bank-statements', {
      token: financeToken,
      rawBody: 'x',
      headers: { 'content-type': 'text/csv' },
    });
    expect(noDate.status).toBe(400);
    expect(noDate.body.errors[0].path).toBe('date');
    expect((await postCsv('2026-03-01', 'x', financeToken, 'application/json')).status).toBe(415);
  });
});

describe('reconciliation and day close over HTTP', () => {
  it('runs, resolves, accepts and proves a day; auditors read and verify', async () => {
    const { date, payments } = await seededDay();
    const rows = matchingStatementRows(date, payments);
    const card = rows.find((r) => r.channel === 'card')!;
    const st = await postCsv(date, statementCsv(rows.filter((r) => r !== card)));
    const created = await api('POST', '/v1/reconciliations', {
      token: financeToken,
      body: { businessDate: date, statementIds: [st.body.statementId] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ businessDate: date, status: 'open', version: 1, unresolved: 1 });
    expect(Reconciliation.safeParse(created.body).error).toBeUndefined();
    const { id, summary } = created.body;
    expect(summary).toMatchObject({
      matchedCount: 2,
      matchedAmount: 10 + 100000001,
      bankLinesMissingInLedger: [],
      amountMismatches: [],
      duplicates: [],
    });
    expect(summary.paymentsMissingInBank).toEqual([
      expect.objectContaining({
        itemRef: `MB:card:${card.bankRef}`,
        paymentId: payments[0]!.paymentId,
        expected: 1999,
      }),
    ]);

    expect((await api('GET', `/v1/reconciliations/${id}`, { token: auditor })).body).toMatchObject({
      id,
      status: 'open',
    });
    // Accept moves money: no Idempotency-Key, no accept (400 naming the header, as POST /v1/payments).
    const noKey = await api('POST', `/v1/reconciliations/${id}/accept`, { token: financeToken });
    expect(noKey.status).toBe(400);
    expect(noKey.body).toMatchObject({
      type: expect.stringMatching(/idempotency-key-required$/),
      errors: [{ path: 'Idempotency-Key', message: 'required' }],
    });
    const key = `accept-${id}`;
    const accept = (k = key) =>
      api('POST', `/v1/reconciliations/${id}/accept`, { token: financeToken, headers: { 'idempotency-key': k } });
    // Refused for unresolved differences: the key is not spent, and the same key accepts once they are resolved.
    expect((await accept()).body).toMatchObject({
      status: 409,
      type: expect.stringMatching(/unresolved-differences$/),
    });

    const bad = await api('POST', `/v1/reconciliations/${id}/resolutions`, {
      token: financeToken,
      body: { itemRef: `MB:card:${card.bankRef}`, action: 'ignore', note: '' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['action', 'note']);
    const resolution = await api('POST', `/v1/reconciliations/${id}/resolutions`, {
      token: financeToken,
      body: { itemRef: `MB:card:${card.bankRef}`, action: 'suspense', note: 'asked the bank' },
    });
    expect(resolution.status).toBe(201);
    expect(resolution.body).toMatchObject({
      action: 'suspense',
      decidedBy: 'finance:api-test',
      adjustmentTxId: expect.any(String),
    });
    expect(Resolution.safeParse(resolution.body).error).toBeUndefined();

    const accepted = await accept();
    expect(accepted.status).toBe(200);
    expect(accepted.headers.get('idempotent-replayed')).toBeNull();
    expect(accepted.body).toEqual({
      status: 'closed',
      proof: { date, root: expect.stringMatching(/^[0-9a-f]{64}$/), count: 5, signature: expect.any(String) },
    });

    expect(AcceptResult.safeParse(accepted.body).error).toBeUndefined();
    expect(
      Reconciliation.safeParse((await api('GET', `/v1/reconciliations/${id}`, { token: auditor })).body).error,
    ).toBeUndefined();
    const retried = await accept();
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual(accepted.body);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    // The key is bound to this run: on another run it is 422, and a key of no length is 400.
    const st2 = await postCsv(today(), statementCsv([]));
    const other = await api('POST', '/v1/reconciliations', {
      token: financeToken,
      body: { businessDate: today(), statementIds: [st2.body.statementId] },
    });
    const reused = await api('POST', `/v1/reconciliations/${other.body.id}/accept`, {
      token: financeToken,
      headers: { 'idempotency-key': key },
    });
    expect(reused.status).toBe(422);
    expect(reused.body.type).toMatch(/idempotency-key-reused$/);
    expect((await accept('')).status).toBe(400);

    const proof = await api('GET', `/v1/ledger/days/${date}/proof`, { token: auditor });
    expect(proof.body).toEqual(accepted.body.proof);
    const verify = await api('GET', `/v1/ledger/days/${date}/verify`, { token: auditor });
    expect(verify.body).toMatchObject({ ok: true, root: proof.body.root, count: 5 });

    const again = await api('POST', '/v1/reconciliations', {
      token: financeToken,
      body: { businessDate: date, statementIds: [st.body.statementId] },
    });
    expect(again.status).toBe(409);
    expect(again.body.type).toMatch(/day-closed$/);
    expect(
      (
        await api('POST', `/v1/reconciliations/${id}/resolutions`, {
          token: financeToken,
          body: { itemRef: 'x', action: 'suspense', note: 'n' },
        })
      ).status,
    ).toBe(409);
  });

  it('refuses to close a day that has not ended (409 day-not-over)', async () => {
    const date = today();
    const st = await postCsv(date, statementCsv([]));
    const run = await api('POST', '/v1/reconciliations', {
      token: financeToken,
      body: { businessDate: date, statementIds: [st.body.statementId] },
    });
    expect(run.status).toBe(201);
    const res = await api('POST', `/v1/reconciliations/${run.body.id}/accept`, {
      token: financeToken,
      headers: { 'idempotency-key': `accept-${run.body.id}` },
    });
    expect(res.status).toBe(409);
    expect(res.body.type).toMatch(/day-not-over$/);
  });

  it('answers 404 for an unknown run and 422 for an unknown statement', async () => {
    expect((await api('GET', '/v1/reconciliations/RC-20200101-V999', { token: financeToken })).status).toBe(404);
    expect((await api('GET', '/v1/reconciliations/nonsense', { token: financeToken })).status).toBe(404);
    const res = await api('POST', '/v1/reconciliations', {
      token: financeToken,
      body: { businessDate: uniqueDate(), statementIds: ['ST-NOPE'] },
    });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: 'statementIds.0', message: 'no such statement' }]);
    expect(
      (
        await api('POST', '/v1/reconciliations', {
          token: financeToken,
          body: { businessDate: '2026-02-30', statementIds: [], extra: 1 },
        })
      ).status,
    ).toBe(400);
  });
});

describe('budget, expenditures and the separation report over HTTP', () => {
  it('allocates, spends own allocations only and never beyond, and reports the separation with its checks', async () => {
    const dept = `D${uniq()}`;
    const other = `D${uniq()}`;
    for (const id of [dept, other])
      expect((await api('POST', '/v1/departments', { token: admin, body: { id, name: '测试局' } })).status).toBe(201);
    const unknownDept = await api('POST', '/v1/budget-allocations', {
      token: financeToken,
      body: { departmentId: 'DNOPE', fiscalYear: 2026, amount: 1, purpose: 'x' },
    });
    expect(unknownDept.status).toBe(422);
    const alloc = await api('POST', '/v1/budget-allocations', {
      token: financeToken,
      body: { departmentId: dept, fiscalYear: 2026, amount: 100000, purpose: '办公经费' },
    });
    expect(alloc.status).toBe(201);
    expect(alloc.body).toMatchObject({
      allocationId: expect.any(String),
      departmentId: dept,
      amount: 100000,
      remaining: 100000,
    });
    expect(BudgetAllocation.safeParse(alloc.body).error).toBeUndefined();
    const { allocationId } = alloc.body;

    const mine = await token({ role: 'department', dept });
    const theirs = await token({ role: 'department', dept: other });
    const spend = (t: string, amount: number) =>
      api('POST', '/v1/expenditures', {
        token: t,
        body: { allocationId, amount, payee: '某文具公司', purpose: '纸张' },
      });
    expect((await spend(theirs, 100)).status).toBe(403);
    expect(
      (
        await api('POST', '/v1/expenditures', {
          token: financeToken,
          body: { allocationId, amount: 1, payee: 'p', purpose: 'p' },
        })
      ).status,
    ).toBe(403);
    const spent = await spend(mine, 60000);
    expect(spent.status).toBe(201);
    expect(spent.body).toMatchObject({ allocationId, departmentId: dept, amount: 60000, remaining: 40000 });
    expect(Expenditure.safeParse(spent.body).error).toBeUndefined();
    const over = await spend(mine, 40001);
    expect(over.status).toBe(422);
    expect(over.body.type).toMatch(/allocation-exceeded$/);
    expect((await spend(mine, 1.5)).status).toBe(400);

    const d = today();
    const report = await api('GET', `/v1/reports/separation?from=${d}&to=${d}&department=${dept}`, { token: auditor });
    expect(report.status).toBe(200);
    expect(SeparationReport.safeParse(report.body).error).toBeUndefined();
    expect(report.body.rows).toEqual([
      {
        departmentId: dept,
        collected: 0,
        refunded: 0,
        settledToFiscal: 0,
        inClearing: 0,
        inSuspense: 0,
        allocated: 100000,
        spent: 60000,
      },
    ]);
    expect(report.body.checks.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining([
        'transactions-balanced',
        'lines-never-meet',
        'no-collections-reach-spending-accounts',
        'trial-balance-balanced',
        'spending-within-allocations',
      ]),
    );
    for (const c of report.body.checks) expect(c, `${c.name}: ${c.detail}`).toMatchObject({ ok: true, result: 'pass' });
    expect((await api('GET', `/v1/reports/separation?from=${d}&to=2000-01-01`, { token: financeToken })).status).toBe(
      400,
    );
    expect((await api('GET', `/v1/reports/separation?from=${d}&to=${d}`, { token: clerk })).status).toBe(403);
  });
});

describe('reconciliation of payments made through the payments API', () => {
  it('reads the payments context’s own records: matches by bankRef and window deposit, flags a changed amount, and sees refunds', async () => {
    const dept = `F${uniq()}`;
    const fee = `FF-${uniq()}`;
    expect(
      (await api('POST', '/v1/departments', { token: admin, body: { id: dept, name: '财政测试局' } })).status,
    ).toBe(201);
    const item = {
      code: fee,
      departmentId: dept,
      name: '工本费',
      category: 'administrative-fee',
      legalBasis: '《条例》',
      approvedBy: '发改委',
      pricing: { kind: 'fixed', amount: 1999 },
    };
    expect((await api('POST', '/v1/fee-items', { token: admin, body: item })).status).toBe(201);
    const deptToken = await token({ role: 'department', dept });
    const window = `W${uniq()}`;
    const windowClerk = await token({ role: 'clerk', window });
    const pay = async (channel: 'card' | 'cash' | 'transfer', bankRef?: string) => {
      const n = await api('POST', '/v1/notices', {
        token: deptToken,
        body: { payer: { name: 'Jane Roe', idType: 'passport', idNumber: 'E12345678' }, lines: [{ feeCode: fee }] },
      });
      expect(n.status).toBe(201);
      const r = await api('POST', '/v1/payments', {
        token: windowClerk,
        body: { noticeNos: [n.body.noticeNo], channel, amount: n.body.total, ...(bankRef ? { bankRef } : {}) },
        headers: { 'idempotency-key': `pay-${uniq()}` },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body as { paymentId: string; businessDate: string; amount: number };
    };
    const card = await pay('card', `CARD-${uniq()}`);
    const transfer = await pay('transfer', `TRF-${uniq()}`);
    const cash1 = await pay('cash');
    const cash2 = await pay('cash');
    const refund = await api('POST', `/v1/payments/${card.paymentId}/refunds`, {
      token: financeToken,
      body: { amount: 500, reason: '多收' },
      headers: { 'idempotency-key': `refund-${uniq()}` },
    });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);

    const date = card.businessDate;
    const cardRef = (await api('GET', `/v1/payments/${card.paymentId}`, { token: financeToken })).body
      .bankRef as string;
    const transferRef = (await api('GET', `/v1/payments/${transfer.paymentId}`, { token: financeToken })).body
      .bankRef as string;
    const rows = [
      { bankRef: cardRef, valueDate: date, amount: 1999, channel: 'card' as const },
      { bankRef: transferRef, valueDate: date, amount: 1998, channel: 'transfer' as const }, // one fen short
      {
        bankRef: `DEP-${window}`,
        valueDate: date,
        amount: cash1.amount + cash2.amount,
        channel: 'cash' as const,
        windowId: window,
      },
    ];
    const st = await postCsv(date, statementCsv(rows));
    expect(st.status).toBe(201);
    // Today's run also sees every other test's payments of today: look only at ours.
    const run = await api('POST', '/v1/reconciliations', {
      token: financeToken,
      body: { businessDate: date, statementIds: [st.body.statementId] },
    });
    expect(run.status).toBe(201);
    const s = run.body.summary;
    const all = [...s.paymentsMissingInBank, ...s.bankLinesMissingInLedger, ...s.amountMismatches, ...s.duplicates];
    expect(all.filter((d: { itemRef: string }) => d.itemRef.includes(cardRef) || d.itemRef.includes(window))).toEqual(
      [],
    );
    expect(s.amountMismatches.filter((d: { bankRef?: string }) => d.bankRef === transferRef)).toEqual([
      expect.objectContaining({
        itemRef: `AM:transfer:${transferRef}`,
        paymentId: transfer.paymentId,
        expected: 1999,
        actual: 1998,
      }),
    ]);

    const { financeContext } = await import('../../functions/finance/wiring');
    const refunds = [];
    for await (const r of financeContext().payments.refundsOfDay(date))
      if (r.paymentId === card.paymentId) refunds.push(r);
    expect(refunds).toEqual([expect.objectContaining({ channel: 'card', amount: 500, businessDate: date })]);
  });
});
