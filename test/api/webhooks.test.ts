import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, token, uniq } from '../support/api';
import { startReceiver, type Receiver } from '../support/webhookReceiver';

/**
 * Webhooks for department systems, end to end through the local stack: a payment, a refund and a
 * cancellation reach each department's own receiver (a real HTTP server verifying signatures with
 * `standardwebhooks`), retried after 500s with one webhook-id. The stack runs with
 * WEBHOOK_RETRY_SCALE (test/support/globalSetup.ts), so the schedule's minutes are milliseconds.
 */
let admin: string;
let clerk: string;
let finance: string;
const depts: { id: string; token: string; fee: string; receiver: Receiver; endpointId: string }[] = [];

async function department(failFirst: number) {
  const id = `W${uniq()}`;
  const fee = `WH-${uniq()}`;
  expect((await api('POST', '/v1/departments', { token: admin, body: { id, name: '市场监管局' } })).status).toBe(201);
  const item = await api('POST', '/v1/fee-items', {
    token: admin,
    body: {
      code: fee,
      departmentId: id,
      name: '登记费',
      category: 'administrative-fee',
      legalBasis: '《条例》',
      approvedBy: '发改委',
      pricing: { kind: 'fixed', amount: 1500 },
    },
  });
  expect(item.status).toBe(201);
  const t = await token({ role: 'department', dept: id });
  const receiver = await startReceiver({ failFirst });
  const created = await api('POST', '/v1/webhook-endpoints', {
    token: t,
    body: { url: receiver.url, events: ['notice.paid', 'notice.refunded', 'notice.cancelled'] },
  });
  expect(created.status).toBe(201);
  expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
  receiver.secret = created.body.secret;
  return { id, token: t, fee, receiver, endpointId: created.body.id as string };
}

const issue = async (d: (typeof depts)[number]) =>
  (
    await api('POST', '/v1/notices', {
      token: d.token,
      body: { payer: { name: '王五六', idType: 'passport', idNumber: 'E99887766' }, lines: [{ feeCode: d.fee }] },
    })
  ).body.noticeNo as string;

beforeAll(async () => {
  admin = await token({ role: 'admin' });
  clerk = await token({ role: 'clerk', window: 'W01' });
  finance = await token({ role: 'finance' });
  depts.push(await department(3), await department(0));
});
afterAll(async () => {
  for (const d of depts) await d.receiver.close();
});

describe('webhook deliveries', () => {
  it('a payment of two departments’ notices is one signed event for each, retried after 500s with one webhook-id', async () => {
    const [a, b] = depts as [(typeof depts)[number], (typeof depts)[number]];
    const noticeA = await issue(a);
    const noticeB = await issue(b);
    const paid = await api('POST', '/v1/payments', {
      token: clerk,
      headers: { 'idempotency-key': randomUUID() },
      body: { noticeNos: [noticeA, noticeB], channel: 'cash', amount: 3000 },
    });
    expect(paid.status).toBe(201);

    // A answers 500 three times: four attempts of the same event, each signed and verified.
    const atA = await a.receiver.until((r) => r.filter((x) => x.body?.data?.noticeNo === noticeA).length >= 4);
    const attempts = atA.filter((x) => x.body.data.noticeNo === noticeA);
    expect(new Set(attempts.map((x) => x.webhookId)).size).toBe(1);
    expect(attempts.every((x) => x.verified)).toBe(true);
    expect(attempts.every((x) => x.raw === attempts[0]!.raw)).toBe(true);
    expect(attempts[0]!.body).toEqual({
      id: attempts[0]!.webhookId,
      type: 'notice.paid',
      timestamp: paid.body.paidAt,
      data: {
        noticeNo: noticeA,
        departmentId: a.id,
        amount: 1500,
        paymentId: paid.body.paymentId,
        receiptNo: paid.body.receipt.receiptNo,
        channel: 'cash',
        businessDate: paid.body.businessDate,
      },
    });
    // Each department hears of its own notice only; no personal data travels.
    expect(a.receiver.received.some((x) => x.raw.includes(noticeB))).toBe(false);
    const atB = await b.receiver.until((r) => r.some((x) => x.body?.data?.noticeNo === noticeB));
    expect(atB.filter((x) => x.raw.includes(noticeA))).toEqual([]);
    for (const x of [...a.receiver.received, ...b.receiver.received]) {
      expect(x.raw).not.toContain('王五六');
      expect(x.raw).not.toContain('E99887766');
    }

    // The delivery log: one delivery, four attempts, delivered.
    let log = await api('GET', `/v1/webhook-endpoints/${a.endpointId}/deliveries`, { token: a.token });
    for (let i = 0; i < 50 && log.body.items?.[0]?.status !== 'succeeded'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      log = await api('GET', `/v1/webhook-endpoints/${a.endpointId}/deliveries`, { token: a.token });
    }
    expect(log.status).toBe(200);
    const delivery = log.body.items.find((d: { eventId: string }) => d.eventId === attempts[0]!.webhookId);
    expect(delivery).toMatchObject({ type: 'notice.paid', status: 'succeeded', attempts: 4, lastStatusCode: 204 });
    expect(delivery.nextAttemptAt).toBeUndefined();

    // A manual retry sends it again, with the same webhook-id.
    const retry = await api('POST', `/v1/webhook-endpoints/${a.endpointId}/deliveries/${delivery.deliveryId}/retry`, {
      token: a.token,
    });
    expect(retry.status).toBe(202);
    await a.receiver.until((r) => r.filter((x) => x.webhookId === delivery.eventId).length >= 5);
    // Another department cannot see or retry it.
    const [, other] = depts;
    expect((await api('GET', `/v1/webhook-endpoints/${a.endpointId}/deliveries`, { token: other!.token })).status).toBe(
      404,
    );
    expect(
      (
        await api('POST', `/v1/webhook-endpoints/${a.endpointId}/deliveries/${delivery.deliveryId}/retry`, {
          token: other!.token,
        })
      ).status,
    ).toBe(404);

    // A refund of the payment: notice.refunded to each department for its notice.
    const refund = await api('POST', `/v1/payments/${paid.body.paymentId}/refunds`, {
      token: finance,
      headers: { 'idempotency-key': randomUUID() },
      body: { amount: 3000, reason: '撤销' },
    });
    expect(refund.status).toBe(201);
    const refundedB = await b.receiver.until((r) => r.some((x) => x.body?.type === 'notice.refunded'));
    expect(refundedB.find((x) => x.body.type === 'notice.refunded')!.body.data).toEqual({
      noticeNo: noticeB,
      departmentId: b.id,
      amount: 1500,
      paymentId: paid.body.paymentId,
      receiptNo: refund.body.receipt.receiptNo,
      channel: 'cash',
      businessDate: refund.body.businessDate,
    });
  });

  it('a cancelled notice is announced to its department', async () => {
    const [, b] = depts as [(typeof depts)[number], (typeof depts)[number]];
    const noticeNo = await issue(b);
    const cancelled = await api('POST', `/v1/notices/${noticeNo}/cancel`, {
      token: b.token,
      body: { reason: '重复开具' },
    });
    expect(cancelled.status).toBe(200);
    const got = await b.receiver.until((r) =>
      r.some((x) => x.body?.type === 'notice.cancelled' && x.body.data.noticeNo === noticeNo),
    );
    const event = got.find((x) => x.body?.type === 'notice.cancelled' && x.body.data.noticeNo === noticeNo)!;
    expect(event.verified).toBe(true);
    expect(event.body.data).toEqual({ noticeNo, departmentId: b.id, amount: 1500 });
    expect(event.raw).not.toContain('重复开具');
  });
});

describe('webhook endpoints', () => {
  it('refuses URLs that are not https or not public, naming the field and not echoing it', async () => {
    const d = depts[1]!;
    for (const url of [
      'http://example.org/hooks',
      'https://10.1.2.3/hooks',
      'https://169.254.169.254/latest/meta-data',
      'https://[::ffff:169.254.169.254]/',
      'https://[fd00:ec2::254]/',
      'https://192.168.1.20/',
      'http://10.0.0.1/',
      'ftp://127.0.0.1/',
      'not a url',
    ]) {
      const r = await api('POST', '/v1/webhook-endpoints', { token: d.token, body: { url, events: ['notice.paid'] } });
      expect(r.status, url).toBe(422);
      expect(r.body.type).toMatch(/webhook-url-not-allowed$/);
      expect(r.body.errors).toEqual([{ path: 'url', message: expect.any(String) }]);
      expect(r.text).not.toContain(url);
    }
  });

  it('lists and deletes a department’s own endpoints only; other roles are refused', async () => {
    const d = depts[1]!;
    const listed = await api('GET', '/v1/webhook-endpoints', { token: d.token });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((e: { id: string }) => e.id)).toEqual([d.endpointId]);
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');
    expect((await api('GET', '/v1/webhook-endpoints', { token: clerk })).status).toBe(403);
    expect((await api('DELETE', `/v1/webhook-endpoints/${d.endpointId}`, { token: depts[0]!.token })).status).toBe(404);
    const extra = await api('POST', '/v1/webhook-endpoints', {
      token: d.token,
      body: { url: d.receiver.url, events: ['notice.cancelled'] },
    });
    expect(extra.status).toBe(201);
    expect((await api('DELETE', `/v1/webhook-endpoints/${extra.body.id}`, { token: d.token })).status).toBe(204);
    expect((await api('DELETE', `/v1/webhook-endpoints/${extra.body.id}`, { token: d.token })).status).toBe(404);
    expect((await api('GET', '/v1/webhook-endpoints', { token: d.token })).body.items).toHaveLength(1);
  });
});
