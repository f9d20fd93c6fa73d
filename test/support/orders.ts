import { expect, inject } from 'vitest';
import { api } from './api';

/** Payment-order test helpers: orders, and the sandbox's page and control (a department and notices: ./fees.ts). */
export { departmentWithFee, issueNotice } from './fees';

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
