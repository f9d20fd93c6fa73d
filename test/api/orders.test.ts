import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, token } from '../support/api';
import {
  completeAtProvider,
  createOrder,
  departmentWithFee,
  getOrder,
  issueNotice,
  openPaymentPage,
  waitForOrder,
} from '../support/orders';

/**
 * Payment orders end to end over HTTP: the local gateway, the orders function, and the sandbox
 * provider as its own service (hosted page, signed notifications, query, close).
 */
let clerk: string;
let finance: string;
beforeAll(async () => {
  clerk = await token({ role: 'clerk', window: 'W09' });
  finance = await token({ role: 'finance' });
});

describe('payment orders', () => {
  it('makes exactly one online payment, with a receipt, when the provider confirms', async () => {
    const d = await departmentWithFee(2000);
    const n = await issueNotice(d);
    const created = await createOrder([n], 'http://127.0.0.1/return');
    expect(created.status).toBe(201);
    const o = created.body;
    expect(o).toMatchObject({ status: 'created', amount: 2000 });
    expect(o.redirectUrl).toContain('alipay.trade.wap.pay');
    const page = await openPaymentPage(o);
    expect(page).toContain('支付');
    expect(page).toContain('取消');
    expect(page).toContain('¥20.00');
    const done = await completeAtProvider(o.providerOrderId, { outcome: 'success', deliveries: [0, 0, 30] });
    expect(done.status).toBe(200);
    const r = await waitForOrder(o, (s) => s !== 'created');
    expect(r.body).toMatchObject({ status: 'succeeded', noticeNos: [n.noticeNo] });
    const payment = await api('GET', `/v1/payments/${r.body.paymentId}`, { token: finance });
    expect(payment.body).toMatchObject({ channel: 'online', bankRef: done.body.tradeNo, amount: 2000, windowId: null });
    expect(payment.body.receipt.receiptNo).toBe(r.body.receiptNo);
    // The notice is paid, once.
    const notice = await api('GET', `/v1/notices/${n.noticeNo}`, { token: clerk });
    expect(notice.body).toMatchObject({ status: 'paid', paymentId: r.body.paymentId });
  });

  it('holds a notice for one live order: a second order and the counter get 409 with expiresAt', async () => {
    const d = await departmentWithFee(1500);
    const n = await issueNotice(d);
    const o = (await createOrder([n])).body;
    const again = await createOrder([n]);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      type: expect.stringMatching(/notice-payment-pending$/),
      expiresAt: o.expiresAt,
    });
    const counter = await api('POST', '/v1/payments', {
      token: clerk,
      headers: { 'idempotency-key': randomUUID() },
      body: { noticeNos: [n.noticeNo], channel: 'cash', amount: 1500 },
    });
    expect(counter.status).toBe(409);
    expect(counter.body).toMatchObject({
      type: expect.stringMatching(/notice-payment-pending$/),
      expiresAt: o.expiresAt,
    });
  });

  it('cancels at the provider, then frees the notice for the counter', async () => {
    const d = await departmentWithFee(1500);
    const n = await issueNotice(d);
    const o = (await createOrder([n])).body;
    await openPaymentPage(o);
    const cancelled = await api('POST', `/v1/payment-orders/${o.orderId}/cancel`, {
      headers: { 'x-order-token': o.orderToken },
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    // The provider's trade is closed: the page can no longer pay it.
    expect((await completeAtProvider(o.providerOrderId, { outcome: 'success' })).body.result).toBe('not-payable');
    const counter = await api('POST', '/v1/payments', {
      token: clerk,
      headers: { 'idempotency-key': randomUUID() },
      body: { noticeNos: [n.noticeNo], channel: 'cash', amount: 1500 },
    });
    expect(counter.status).toBe(201);
  });

  it('finds a payment whose notification never came by asking the provider on read', async () => {
    const d = await departmentWithFee(900);
    const n = await issueNotice(d);
    const o = (await createOrder([n])).body;
    await openPaymentPage(o);
    await completeAtProvider(o.providerOrderId, { outcome: 'success', notify: false });
    // PAYMENT_ORDER_QUERY_AFTER_SECONDS is 0 in the test environment: the read asks the provider.
    const r = await getOrder(o);
    expect(r.body.status).toBe('succeeded');
  });

  it('refuses a notification whose signature is not the provider’s: 401 and nothing written', async () => {
    const d = await departmentWithFee(700);
    const n = await issueNotice(d);
    const o = (await createOrder([n])).body;
    const forged = new URLSearchParams({
      app_id: 'sandbox-app',
      out_trade_no: o.orderId,
      trade_no: '2026000000',
      trade_status: 'TRADE_SUCCESS',
      total_amount: '7.00',
      sign_type: 'RSA2',
      sign: Buffer.from('forged').toString('base64'),
    });
    const r = await api('POST', '/v1/payment-providers/alipay/notifications', {
      rawBody: forged.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(r.status).toBe(401);
    const after = await getOrder(o, finance);
    expect(after.body.status).toBe('created');
  });

  it('shows an order to its holder (token) and to staff only; finance lists the day’s orders by status', async () => {
    const d = await departmentWithFee(600);
    const n = await issueNotice(d);
    const o = (await createOrder([n])).body;
    expect((await getOrder({ orderId: o.orderId })).status).toBe(404);
    expect((await getOrder({ orderId: o.orderId, orderToken: 'not-the-token' })).status).toBe(404);
    expect((await getOrder({ orderId: o.orderId }, clerk)).body.status).toBe('created');
    const cancel = await api('POST', `/v1/payment-orders/${o.orderId}/cancel`, {
      headers: { 'x-order-token': 'nope' },
    });
    expect(cancel.status).toBe(404);
    const list = await api('GET', '/v1/payment-orders?status=created&limit=500', { token: finance });
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: { orderId: string }) => i.orderId)).toContain(o.orderId);
    expect(list.body.items.every((i: { status: string }) => i.status === 'created')).toBe(true);
    expect((await api('GET', '/v1/payment-orders', { token: clerk })).status).toBe(403);
  });

  it('answers POST /v1/payments with channel online by 422 online-payment-needs-order', async () => {
    const d = await departmentWithFee(700);
    const n = await issueNotice(d);
    const r = await api('POST', '/v1/payments', {
      headers: { 'idempotency-key': randomUUID() },
      body: {
        noticeNos: [n.noticeNo],
        channel: 'online',
        amount: 700,
        bankRef: 'ANYTHING',
        checkCodes: { [n.noticeNo]: n.checkCode },
      },
    });
    expect(r.status).toBe(422);
    expect(r.body.type).toMatch(/online-payment-needs-order$/);
  });
});
