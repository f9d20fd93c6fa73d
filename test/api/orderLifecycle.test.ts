import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentProvider } from '../../functions/orders/adapters/provider';
import { config, reloadConfig } from '../../functions/shared/config';
import { theClock } from '../../functions/shared/wiring';
import { freePort } from '../../infra/local/dynamodb';
import { issueLocalToken } from '../../infra/local/keys';
import { startLocalStack, type LocalStack } from '../../infra/local/stack';
import { send } from '../support/api';
import { startValidatingProxy, type ValidatingProxy } from '../support/prism';

/**
 * Payment orders over their whole life, on a stack of this file's own (so one business day holds
 * only these payments, and orders live 2 seconds): the sandbox's settlement file reconciles to zero
 * differences; an expired order is closed at the provider before its notice is released; a payment
 * whose notification never came is found by the sweep; a success after cancel becomes the payment
 * if the notice is still free, and an anomaly (never a second payment) if it was paid meanwhile.
 */
let stack: LocalStack;
let proxy: ValidatingProxy;
let dataDir: string;
const saved: Record<string, string | undefined> = {};
let finance: string;
let clerk: string;
let dept: { fee: string; token: string };

const call = (
  method: string,
  path: string,
  o: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
) => {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  let body = o.raw;
  if (o.body !== undefined) {
    body = JSON.stringify(o.body);
    headers['content-type'] ??= 'application/json';
  }
  return send({ proxy: proxy.url, gateway: stack.gateway.url }, method, path, { headers, body });
};

beforeAll(async () => {
  for (const k of ['PAYMENT_ORDER_TTL_SECONDS', 'PAYMENT_ORDER_QUERY_AFTER_SECONDS', 'PAYMENT_ORDER_LIMIT'])
    saved[k] = process.env[k];
  process.env.PAYMENT_ORDER_LIMIT = '30';
  process.env.PAYMENT_ORDER_TTL_SECONDS = '2';
  process.env.PAYMENT_ORDER_QUERY_AFTER_SECONDS = '0';
  dataDir = mkdtempSync(join(tmpdir(), 'one-window-orders-'));
  stack = await startLocalStack({
    port: await freePort(),
    dynamoPort: await freePort(),
    inMemory: true,
    dataDir,
    providerRetryDelaysMs: [100, 200],
  });
  proxy = await startValidatingProxy({
    upstream: stack.gateway.url,
    document: await (await fetch(`${stack.gateway.url}/v1/openapi.json`)).json(),
  });
  const t = (c: Parameters<typeof issueLocalToken>[0]) => issueLocalToken(c, process.env.LOCAL_KEY_DIR);
  const admin = await t({ role: 'admin' });
  finance = await t({ role: 'finance' });
  clerk = await t({ role: 'clerk', window: 'W03' });
  await call('POST', '/v1/departments', { token: admin, body: { id: 'L01', name: '不动产登记中心' } });
  await call('POST', '/v1/fee-items', {
    token: admin,
    body: {
      code: 'L-REG',
      departmentId: 'L01',
      name: '不动产登记费',
      category: 'administrative-fee',
      legalBasis: '《不动产登记暂行条例》',
      approvedBy: '发改委 财政部',
      pricing: { kind: 'fixed', amount: 8000 },
    },
  });
  dept = { fee: 'L-REG', token: await t({ role: 'department', dept: 'L01' }) };
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  for (const [k, v] of Object.entries(saved))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  reloadConfig();
});

/** A POST from another loopback address (its own rate-limit bucket), straight to this stack's gateway. */
function postFrom(localAddress: string, path: string, body: string): Promise<number> {
  const url = new URL(stack.gateway.url + path);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        localAddress,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function notice() {
  const r = await call('POST', '/v1/notices', {
    token: dept.token,
    body: { payer: { name: '赵六', idType: 'passport', idNumber: 'E12345678' }, lines: [{ feeCode: dept.fee }] },
  });
  expect(r.status).toBe(201);
  return r.body as { noticeNo: string; checkCode: string; total: number };
}

async function order(n: { noticeNo: string; checkCode: string }) {
  const r = await call('POST', '/v1/payment-orders', {
    body: { noticeNos: [n.noticeNo], checkCodes: { [n.noticeNo]: n.checkCode } },
  });
  expect(r.status, r.text).toBe(201);
  return r.body as { orderId: string; orderToken: string; providerOrderId: string; redirectUrl: string };
}

const complete = async (id: string, body: object): Promise<{ result: string; tradeNo: string }> =>
  (
    await fetch(`${stack.provider.url}/sandbox/orders/${id}/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  ).json() as Promise<{ result: string; tradeNo: string }>;

const read = (o: { orderId: string }) => call('GET', `/v1/payment-orders/${o.orderId}`, { token: finance });

async function settled(o: { orderId: string }, ms = 4000) {
  const end = Date.now() + ms;
  let r = await read(o);
  while (r.body.status === 'created' && Date.now() < end) {
    await new Promise((res) => setTimeout(res, 50));
    r = await read(o);
  }
  return r.body;
}

const cash = (n: { noticeNo: string; total: number }) =>
  call('POST', '/v1/payments', {
    token: clerk,
    headers: { 'idempotency-key': randomUUID() },
    body: { noticeNos: [n.noticeNo], channel: 'cash', amount: n.total },
  });

describe('payment orders over their whole life', () => {
  it('the sandbox’s settlement file imports as a bank statement and reconciles to zero differences', async () => {
    const paid: string[] = [];
    for (let i = 0; i < 3; i++) {
      const o = await order(await notice());
      await fetch(o.redirectUrl);
      await complete(o.providerOrderId, { outcome: 'success' });
      const done = await settled(o);
      expect(done.status).toBe('succeeded');
      paid.push(done.paymentId);
    }
    const date = theClock().today();
    // Through the provider adapter, as finance's download would: the bill URL, then the file.
    reloadConfig();
    const url = await paymentProvider(config().paymentProvider).settlementFileUrl(date);
    const csv = await (await fetch(url)).text();
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(4);
    const statement = await call('POST', `/v1/bank-statements?date=${date}`, {
      token: finance,
      raw: csv,
      headers: { 'content-type': 'text/csv' },
    });
    expect(statement.status, statement.text).toBe(201);
    const run = await call('POST', '/v1/reconciliations', {
      token: finance,
      body: { businessDate: date, statementIds: [statement.body.statementId] },
    });
    expect(run.status, run.text).toBe(201);
    expect(run.body.summary).toMatchObject({
      matchedCount: 3,
      matchedAmount: 24000,
      paymentsMissingInBank: [],
      bankLinesMissingInLedger: [],
      amountMismatches: [],
      duplicates: [],
    });
  });

  it('closes an expired order at the provider before releasing its notice', async () => {
    const n = await notice();
    const o = await order(n);
    await fetch(o.redirectUrl);
    expect((await cash(n)).status).toBe(409);
    await new Promise((r) => setTimeout(r, 2100));
    await stack.sweep.runNow();
    expect((await read(o)).body.status).toBe('expired');
    // The provider's trade is closed: the page cannot take the money any more.
    expect((await complete(o.providerOrderId, { outcome: 'success' })).result).not.toBe('ok');
    expect((await cash(n)).status).toBe(201);
  });

  it('finds a payment whose notification never came: the sweep asks, and the close finds it paid', async () => {
    const n = await notice();
    const o = await order(n);
    await fetch(o.redirectUrl);
    await complete(o.providerOrderId, { outcome: 'success', notify: false });
    await new Promise((r) => setTimeout(r, 2100));
    await stack.sweep.runNow();
    const done = (await read(o)).body;
    expect(done.status).toBe('succeeded');
    const payment = await call('GET', `/v1/payments/${done.paymentId}`, { token: finance });
    expect(payment.body).toMatchObject({ channel: 'online', amount: 8000 });
  });

  it('records a success after cancel when the notice is still free', async () => {
    const n = await notice();
    const o = await order(n);
    const cancelled = await call('POST', `/v1/payment-orders/${o.orderId}/cancel`, {
      headers: { 'x-order-token': o.orderToken },
    });
    expect(cancelled.body.status).toBe('cancelled');
    // The payer had the page open in another tab (the provider made its trade only now), and pays.
    await fetch(o.redirectUrl);
    await complete(o.providerOrderId, { outcome: 'success' });
    const end = Date.now() + 4000;
    let r = await read(o);
    while (r.body.status === 'cancelled' && Date.now() < end) r = await read(o);
    expect(r.body.status).toBe('succeeded');
  });

  it('makes an order anomalous, never a second payment, when its notice was paid at the counter meanwhile', async () => {
    const n = await notice();
    const o = await order(n);
    await call('POST', `/v1/payment-orders/${o.orderId}/cancel`, { headers: { 'x-order-token': o.orderToken } });
    const counter = await cash(n);
    expect(counter.status).toBe(201);
    await fetch(o.redirectUrl);
    await complete(o.providerOrderId, { outcome: 'success' });
    const end = Date.now() + 4000;
    let r = await read(o);
    while (r.body.status === 'cancelled' && Date.now() < end) r = await read(o);
    expect(r.body).toMatchObject({ status: 'anomalous', anomaly: 'notice-already-paid' });
    const noticeNow = await call('GET', `/v1/notices/${n.noticeNo}`, { token: clerk });
    expect(noticeNow.body.paymentId).toBe(counter.body.paymentId);
  });

  it('refunds an anomalous order through the provider, once, and ends it refunded with the refund id and time', async () => {
    const n = await notice();
    const o = await order(n);
    await call('POST', `/v1/payment-orders/${o.orderId}/cancel`, { headers: { 'x-order-token': o.orderToken } });
    expect((await cash(n)).status).toBe(201);
    await fetch(o.redirectUrl);
    const paid = await complete(o.providerOrderId, { outcome: 'success' });
    const end = Date.now() + 4000;
    let r = await read(o);
    while (r.body.status === 'cancelled' && Date.now() < end) r = await read(o);
    expect(r.body.status).toBe('anomalous');
    const refundOf = (key: string, token = finance) =>
      call('POST', `/v1/payment-orders/${o.orderId}/refunds`, {
        token,
        headers: { 'idempotency-key': key },
        body: { reason: '通知书已在窗口缴款，网上重复支付' },
      });
    expect((await refundOf(randomUUID(), clerk)).status).toBe(403);
    const key = randomUUID();
    const refunded = await refundOf(key);
    expect(refunded.status, refunded.text).toBe(200);
    expect(refunded.body).toMatchObject({
      status: 'refunded',
      refund: { refundId: `${o.orderId}R`, amount: 8000, refundedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) },
    });
    // The sandbox paid the refund back on the trade the payer paid, once.
    const trade = stack.provider.trades.get(o.providerOrderId)!;
    expect(trade.tradeNo).toBe(paid.tradeNo);
    expect(trade.refunds).toEqual({ [`${o.orderId}R`]: 8000 });
    // The same key replays; another key finds the order refunded and refunds nothing again.
    const replay = await refundOf(key);
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(refunded.body);
    const again = await refundOf(randomUUID());
    expect(again.body.refund).toEqual(refunded.body.refund);
    expect(stack.provider.trades.get(o.providerOrderId)!.refunds).toEqual({ [`${o.orderId}R`]: 8000 });
    // The provider's own refund record, as its refund query reports it to the merchant.
    reloadConfig();
    const provider = paymentProvider(config().paymentProvider);
    expect(await provider.refund({ bankRef: paid.tradeNo, refundId: `${o.orderId}R`, amount: 8000 })).toEqual({
      refundedAt: refunded.body.refund.refundedAt,
    });
    expect((await read(o)).body.status).toBe('refunded');
  });

  it('refuses to refund an order that is not anomalous: 409 order-not-refundable', async () => {
    const o = await order(await notice());
    const r = await call('POST', `/v1/payment-orders/${o.orderId}/refunds`, {
      token: finance,
      headers: { 'idempotency-key': randomUUID() },
      body: { reason: '误操作' },
    });
    expect(r.status).toBe(409);
    expect(r.body.type).toMatch(/order-not-refundable$/);
  });

  it('limits anonymous order attempts per client: 30 guesses of a check code a minute, then 429', async () => {
    const n = await notice();
    const intoWindow = (Date.now() / 1000) % 60;
    if (intoWindow > 54) await new Promise((r) => setTimeout(r, (61 - intoWindow) * 1000));
    const from = `127.2.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 33; i++) {
      const body = JSON.stringify({
        noticeNos: [n.noticeNo],
        checkCodes: { [n.noticeNo]: `GUESS${String(i).padStart(3, '0')}` },
      });
      statuses.push(await postFrom(from, '/v1/payment-orders', body));
    }
    expect(statuses.slice(0, 30).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(30)).toEqual([429, 429, 429]);
  });

  it('refunds an online payment through the provider, with the red receipt after its confirmation', async () => {
    const n = await notice();
    const o = await order(n);
    await fetch(o.redirectUrl);
    await complete(o.providerOrderId, { outcome: 'success' });
    const done = await settled(o);
    const refund = await call('POST', `/v1/payments/${done.paymentId}/refunds`, {
      token: finance,
      headers: { 'idempotency-key': randomUUID() },
      body: { amount: 3000, reason: '多收' },
    });
    expect(refund.status, refund.text).toBe(201);
    expect(refund.body.receipt).toMatchObject({ kind: 'reversal', total: 3000 });
    expect(refund.body.originalReceipt.status).toBe('partially-reversed');
    // More than is left: refused before the provider is asked.
    const over = await call('POST', `/v1/payments/${done.paymentId}/refunds`, {
      token: finance,
      headers: { 'idempotency-key': randomUUID() },
      body: { amount: 5001, reason: '多收' },
    });
    expect(over.status).toBe(422);
  });
});
