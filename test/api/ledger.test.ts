import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { theClock } from '../../functions/shared/wiring';

const today = () => theClock().today();
import { api, token, uniq } from '../support/api';

/** The ledger's read side over HTTP, fed by real payments and refunds. */
let finance: string;
let auditor: string;
let dept: string;
let fee: string;
let paymentIds: string[] = [];
let refundId: string;

beforeAll(async () => {
  const admin = await token({ role: 'admin' });
  finance = await token({ role: 'finance' });
  auditor = await token({ role: 'auditor' });
  dept = `L${uniq()}`;
  fee = `LF-${uniq()}`;
  await api('POST', '/v1/departments', { token: admin, body: { id: dept, name: '交通局' } });
  await api('POST', '/v1/fee-items', {
    token: admin,
    body: {
      code: fee,
      departmentId: dept,
      name: '牌证费',
      category: 'administrative-fee',
      legalBasis: 'x',
      approvedBy: 'y',
      pricing: { kind: 'per-unit', unitAmount: 1500, unit: '副' },
    },
  });
  const deptToken = await token({ role: 'department', dept });
  const clerk = await token({ role: 'clerk', window: 'W03' });
  paymentIds = [];
  for (let q = 1; q <= 3; q++) {
    const n = await api('POST', '/v1/notices', {
      token: deptToken,
      body: { payer: { name: 'A', idType: 'other', idNumber: '1' }, lines: [{ feeCode: fee, quantity: q }] },
    });
    const p = await api('POST', '/v1/payments', {
      token: clerk,
      body: { noticeNos: [n.body.noticeNo], channel: 'card', amount: 1500 * q, bankRef: `L-${uniq()}` },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(p.status).toBe(201);
    paymentIds.push(p.body.paymentId);
  }
  const r = await api('POST', `/v1/payments/${paymentIds[2]}/refunds`, {
    token: finance,
    body: { amount: 1000, reason: '退费' },
    headers: { 'idempotency-key': randomUUID() },
  });
  expect(r.status).toBe(201);
  refundId = r.body.refundId;
});

describe('ledger read side', () => {
  it('shows the trial balance balanced, with the department’s revenue = paid − refunded', async () => {
    const tb = await api('GET', '/v1/ledger/trial-balance', { token: auditor });
    expect(tb.status).toBe(200);
    expect(tb.body.totalDebit).toBe(tb.body.totalCredit);
    const row = tb.body.accounts.find((a: { account: string }) => a.account === `rev:${dept}:${fee}`);
    expect(row).toEqual({ account: `rev:${dept}:${fee}`, line: 'revenue', debit: 1000, credit: 9000, balance: -8000 });
  });

  it('lists the day’s transactions touching an account, page by page', async () => {
    const account = encodeURIComponent(`rev:${dept}:${fee}`);
    const seen: any[] = [];
    let cursor: string | null = null;
    do {
      const r: any = await api(
        'GET',
        `/v1/ledger/transactions?businessDate=${today()}&account=${account}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token: finance },
      );
      expect(r.status).toBe(200);
      seen.push(...r.body.items);
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(seen.map((t) => t.ref).sort()).toEqual([...paymentIds, refundId].sort());
    for (const t of seen) {
      expect(t.hash).toMatch(/^[0-9a-f]{64}$/);
      const debit = t.postings.reduce((s: number, p: { debit: number }) => s + p.debit, 0);
      const credit = t.postings.reduce((s: number, p: { credit: number }) => s + p.credit, 0);
      expect(debit).toBe(credit);
    }
    expect(seen.find((t) => t.ref === refundId)).toMatchObject({
      kind: 'refund',
      postings: expect.arrayContaining([{ account: 'clr:card', debit: 0, credit: 1000 }]),
    });
  });

  it('is closed to departments and clerks', async () => {
    expect(
      (await api('GET', '/v1/ledger/trial-balance', { token: await token({ role: 'department', dept }) })).status,
    ).toBe(403);
    expect(
      (await api('GET', '/v1/ledger/transactions', { token: await token({ role: 'clerk', window: 'W1' }) })).status,
    ).toBe(403);
    expect((await api('GET', '/v1/ledger/trial-balance')).status).toBe(401);
  });
});
