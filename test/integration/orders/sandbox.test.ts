import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlipayProvider } from '../../../functions/orders/adapters/alipay';
import { startPaymentSandbox, type PaymentSandbox } from '../../../infra/local/paymentSandbox/server';

/**
 * The sandbox provider on its own, with the real adapter as its merchant and a real receiving server:
 * notifications are signed with the sandbox's key and retried until the merchant answers `success`;
 * query, close and refund answer in the protocol the adapter verifies; a request the merchant did not
 * sign is refused.
 */
const keys = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
const merchant = keys();
const platform = keys();
let sandbox: PaymentSandbox;
let receiver: Server;
let notifyUrl: string;
const received: string[] = [];
let failFirst = 0;
let provider: AlipayProvider;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(body);
      // The merchant is down for the first attempts: the provider must come back.
      if (failFirst-- > 0) return res.writeHead(500).end('busy');
      res.writeHead(200, { 'content-type': 'text/plain' }).end(provider.verifyNotification(body) ? 'success' : 'fail');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`;
  sandbox = await startPaymentSandbox({
    port: 0,
    appId: 'app-9',
    merchantPublicKey: merchant.publicKey,
    privateKey: platform.privateKey,
    retryDelaysMs: [50, 50, 50],
  });
  provider = new AlipayProvider({
    appId: 'app-9',
    privateKey: merchant.privateKey,
    alipayPublicKey: platform.publicKey,
    gateway: sandbox.gatewayUrl,
    notifyUrl,
  });
});

afterAll(async () => {
  await sandbox?.stop();
  receiver?.close();
});

const orderId = (n: number) => `O20261201${String(n).padStart(20, '0')}`;
const openPage = (id: string, amount = 1234) =>
  fetch(
    provider.payUrl({ orderId: id, amount, subject: '测试', expiresAt: new Date(Date.now() + 60_000).toISOString() }),
  );
const complete = (id: string, body: object) =>
  fetch(`${sandbox.url}/sandbox/orders/${id}/complete`, { method: 'POST', body: JSON.stringify(body) });

describe('the sandbox provider', () => {
  it('retries a notification until the merchant acknowledges it, each attempt signed', async () => {
    const id = orderId(1);
    expect((await openPage(id)).status).toBe(200);
    expect(await provider.query(id)).toEqual({ state: 'pending', tradeNo: expect.any(String), amount: 1234 });
    failFirst = 2;
    received.length = 0;
    expect((await complete(id, { outcome: 'success' })).status).toBe(200);
    const end = Date.now() + 5000;
    while (received.length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200)); // nothing more once acknowledged
    expect(received).toHaveLength(3);
    for (const body of received)
      expect(provider.verifyNotification(body)).toMatchObject({ orderId: id, state: 'paid', amount: 1234 });
    expect(await provider.query(id)).toMatchObject({ state: 'paid', amount: 1234 });
    // A paid trade is not closed; refunds are confirmed once and idempotent per request number.
    expect(await provider.close(id)).toBe('paid');
    const { tradeNo } = await provider.query(id);
    await provider.refund({ bankRef: tradeNo!, refundId: 'R1', amount: 234 });
    await provider.refund({ bankRef: tradeNo!, refundId: 'R1', amount: 234 });
    await expect(provider.refund({ bankRef: tradeNo!, refundId: 'R2', amount: 1001 })).rejects.toMatchObject({
      type: 'provider-unconfirmed',
    });
  });

  it('keeps its trades across a restart: a payer mid-payment pays after it, and a pending notification is sent again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-trades-'));
    const tradesFile = join(dir, 'trades.json');
    const start = (retryDelaysMs = [50]) =>
      startPaymentSandbox({
        port: 0,
        appId: 'app-9',
        merchantPublicKey: merchant.publicKey,
        privateKey: platform.privateKey,
        retryDelaysMs,
        tradesFile,
      });
    try {
      let first = await start();
      const at = (s: PaymentSandbox) =>
        new AlipayProvider({
          appId: 'app-9',
          privateKey: merchant.privateKey,
          alipayPublicKey: platform.publicKey,
          gateway: s.gatewayUrl,
          notifyUrl,
        });
      const open = (s: PaymentSandbox, id: string) =>
        fetch(
          at(s).payUrl({
            orderId: id,
            amount: 500,
            subject: '测试',
            expiresAt: new Date(Date.now() + 60_000).toISOString(),
          }),
        );
      // The payer opened the page; the sandbox restarts (npm start stopped and started again).
      const midPayment = orderId(10);
      expect((await open(first, midPayment)).status).toBe(200);
      const { tradeNo } = await at(first).query(midPayment);
      await first.stop();
      let second = await start();
      expect(await at(second).query(midPayment)).toEqual({ state: 'pending', tradeNo, amount: 500 });
      received.length = 0;
      const paid = await fetch(`${second.url}/sandbox/orders/${midPayment}/complete`, {
        method: 'POST',
        body: JSON.stringify({ outcome: 'success' }),
      });
      expect(paid.status).toBe(200);
      const end = Date.now() + 5000;
      while (!received.some((b) => b.includes(midPayment)) && Date.now() < end)
        await new Promise((r) => setTimeout(r, 20));
      expect(at(second).verifyNotification(received.find((b) => b.includes(midPayment))!)).toMatchObject({
        orderId: midPayment,
        state: 'paid',
        tradeNo,
      });
      // A refund is kept too.
      await at(second).refund({ bankRef: tradeNo!, refundId: 'R9', amount: 100 });
      // Paid while the merchant is down, then the sandbox stops before it was acknowledged: sent again on start.
      const unacknowledged = orderId(11);
      await open(second, unacknowledged);
      await second.stop();
      second = await start([60_000]);
      failFirst = 1;
      await fetch(`${second.url}/sandbox/orders/${unacknowledged}/complete`, {
        method: 'POST',
        body: JSON.stringify({ outcome: 'success' }),
      });
      await new Promise((r) => setTimeout(r, 300));
      await second.stop(); // its retry was a minute away
      received.length = 0;
      first = await start();
      const until = Date.now() + 5000;
      while (!received.some((b) => b.includes(unacknowledged)) && Date.now() < until)
        await new Promise((r) => setTimeout(r, 20));
      expect(received.some((b) => b.includes(unacknowledged))).toBe(true);
      expect(first.trades.get(midPayment)!.refunds).toEqual({ R9: 100 });
      await first.stop();
    } finally {
      failFirst = 0;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('closes an unpaid trade, and knows none the payer never opened', async () => {
    const id = orderId(2);
    expect(await provider.query(id)).toEqual({ state: 'unknown' });
    expect(await provider.close(id)).toBe('closed');
    await openPage(id);
    expect(await provider.close(id)).toBe('closed');
    expect(await provider.query(id)).toMatchObject({ state: 'closed' });
    expect(((await (await complete(id, { outcome: 'success' })).json()) as { result: string }).result).toBe(
      'not-payable',
    );
  });

  it('refuses requests the merchant did not sign, and answers them unsigned', async () => {
    const url = new URL(
      provider.payUrl({
        orderId: orderId(3),
        amount: 100,
        subject: 'x',
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
      }),
    );
    url.searchParams.set('biz_content', url.searchParams.get('biz_content')!.replace('"1.00"', '"0.01"'));
    expect((await fetch(url)).status).toBe(400);
    const forged = await fetch(sandbox.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        app_id: 'app-9',
        method: 'alipay.trade.query',
        sign: 'AAAA',
        biz_content: '{}',
      }).toString(),
    });
    expect(await forged.json()).toEqual({
      error_response: expect.objectContaining({ sub_code: 'isv.invalid-signature' }),
    });
  });
});
