import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { theClock } from '../../functions/shared/wiring';
import { paymentsDocs } from '../../schemas/payments';
import { api, token, uniq } from '../support/api';

/** GET /v1/windows/{windowId}/days/{date}: the clerk's day at the counter, and finance's view of any window. */
const windowId = `W${uniq()}`;
const other = `W${uniq()}`;
let clerk: string;
const paymentIds: string[] = [];

beforeAll(async () => {
  const admin = await token({ role: 'admin' });
  const dept = `WD${uniq()}`;
  const fee = `WD-${uniq()}`;
  await api('POST', '/v1/departments', { token: admin, body: { id: dept, name: '民政局' } });
  await api('POST', '/v1/fee-items', {
    token: admin,
    body: {
      code: fee,
      departmentId: dept,
      name: '证书工本费',
      category: 'administrative-fee',
      legalBasis: 'x',
      approvedBy: 'y',
      pricing: { kind: 'per-unit', unitAmount: 1001, unit: '本' },
    },
  });
  const deptToken = await token({ role: 'department', dept });
  clerk = await token({ role: 'clerk', window: windowId });
  const otherClerk = await token({ role: 'clerk', window: other });
  const pay = async (who: string, quantity: number, paidBy: Record<string, string>) => {
    const n = await api('POST', '/v1/notices', {
      token: deptToken,
      body: { payer: { name: '赵六', idType: 'other', idNumber: 'X1' }, lines: [{ feeCode: fee, quantity }] },
    });
    const p = await api('POST', '/v1/payments', {
      token: who,
      body: { noticeNos: [n.body.noticeNo], amount: 1001 * quantity, ...paidBy },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(p.status).toBe(201);
    return p.body.paymentId as string;
  };
  paymentIds.push(await pay(clerk, 1, { channel: 'cash' }));
  paymentIds.push(await pay(clerk, 3, { channel: 'cash' }));
  paymentIds.push(await pay(clerk, 2, { channel: 'card', bankRef: `WD-${uniq()}` }));
  await pay(otherClerk, 5, { channel: 'cash' });
});

const day = (w: string, t: string, date = theClock().today()) =>
  api('GET', `/v1/windows/${w}/days/${date}`, { token: t });

describe('a window’s business day', () => {
  it('gives the clerk counts and totals by channel (the cash to deposit) and the window’s payments only', async () => {
    const res = await day(windowId, clerk);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      windowId,
      businessDate: theClock().today(),
      byChannel: [
        { channel: 'cash', count: 2, amount: 4004 },
        { channel: 'card', count: 1, amount: 2002 },
        { channel: 'transfer', count: 0, amount: 0 },
      ],
    });
    expect(res.body.payments.map((p: { paymentId: string }) => p.paymentId).sort()).toEqual([...paymentIds].sort());
    expect(paymentsDocs().routes['GET /v1/windows/{windowId}/days/{date}']!.response).toBeDefined();
  });

  it('shows finance any window, and a day without payments as zeros', async () => {
    const finance = await token({ role: 'finance' });
    expect((await day(windowId, finance)).body.byChannel[0]).toEqual({ channel: 'cash', count: 2, amount: 4004 });
    expect((await day(windowId, finance, '2020-01-01')).body).toMatchObject({
      byChannel: [
        { channel: 'cash', count: 0, amount: 0 },
        { channel: 'card', count: 0, amount: 0 },
        { channel: 'transfer', count: 0, amount: 0 },
      ],
      payments: [],
    });
  });

  it('refuses another window’s clerk and every other role with 403, a bad date with 400', async () => {
    expect((await day(windowId, await token({ role: 'clerk', window: other }))).status).toBe(403);
    for (const role of ['auditor', 'admin', 'department'] as const)
      expect((await day(windowId, await token({ role, dept: 'D01' }))).status, role).toBe(403);
    const bad = await day(windowId, clerk, '2026-02-30x');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('date');
  });
});
