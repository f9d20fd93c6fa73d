import { expect, inject } from 'vitest';
import { api, token, uniq } from './api';

/** Payment-order test helpers: a department with a fee, notices, orders, and the sandbox's page and control. */
export async function departmentWithFee(amount = 2000): Promise<{ dept: string; fee: string; deptToken: string }> {
  const admin = await token({ role: 'admin' });
  const dept = `Q${uniq()}`;
  const fee = `QF-${uniq()}`;
  expect((await api('POST', '/v1/departments', { token: admin, body: { id: dept, name: '市场监管局' } })).status).toBe(
    201,
  );
  const r = await api('POST', '/v1/fee-items', {
    token: admin,
    body: {
      code: fee,
      departmentId: dept,
      name: '登记费',
      category: 'administrative-fee',
      legalBasis: '《条例》',
      approvedBy: '发改委',
      pricing: { kind: 'fixed', amount },
    },
  });
  expect(r.status).toBe(201);
  return { dept, fee, deptToken: await token({ role: 'department', dept }) };
}

export async function issueNotice(d: {
  fee: string;
  deptToken: string;
}): Promise<{ noticeNo: string; checkCode: string; total: number }> {
  const r = await api('POST', '/v1/notices', {
    token: d.deptToken,
    body: { payer: { name: '王五', idType: 'passport', idNumber: 'E12345678' }, lines: [{ feeCode: d.fee }] },
  });
  expect(r.status).toBe(201);
  return r.body;
}

export interface CreatedOrder {
  orderId: string;
  orderToken: string;
  providerOrderId: string;
  redirectUrl: string;
  amount: number;
  expiresAt: string;
  status: string;
}

export async function createOrder(notices: { noticeNo: string; checkCode: string }[], returnUrl?: string) {
  return api<CreatedOrder>('POST', '/v1/payment-orders', {
    body: {
      noticeNos: notices.map((n) => n.noticeNo),
      checkCodes: Object.fromEntries(notices.map((n) => [n.noticeNo, n.checkCode])),
      ...(returnUrl ? { returnUrl } : {}),
    },
  });
}

/** The payer opens the hosted payment page (the provider makes its trade then). */
export async function openPaymentPage(order: CreatedOrder): Promise<string> {
  const r = await fetch(order.redirectUrl);
  expect(r.status).toBe(200);
  return r.text();
}

/** The sandbox's test control: completes the trade as the page would. */
export async function completeAtProvider(
  providerOrderId: string,
  body: { outcome: 'success' | 'failure'; notify?: boolean; deliveries?: number[] },
) {
  const r = await fetch(`${inject('providerUrl')}/sandbox/orders/${providerOrderId}/complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as { result: string; tradeNo: string; status: string } };
}

export const getOrder = (o: { orderId: string; orderToken?: string }, bearer?: string) =>
  api('GET', `/v1/payment-orders/${o.orderId}`, {
    ...(bearer ? { token: bearer } : {}),
    headers: o.orderToken ? { 'x-order-token': o.orderToken } : {},
  });

/** Reads the order until `until` holds (or the time is up), returning the last read. */
export async function waitForOrder(
  o: { orderId: string; orderToken: string },
  until: (status: string) => boolean,
  ms = 5000,
) {
  const end = Date.now() + ms;
  for (;;) {
    const r = await getOrder(o);
    if (until(r.body.status) || Date.now() > end) return r;
    await new Promise((res) => setTimeout(res, 50));
  }
}
