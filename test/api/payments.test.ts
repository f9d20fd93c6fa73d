import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { theClock } from '../../functions/shared/wiring';

const today = () => theClock().today();
import { api, expectDocumented, headersOf, token, uniq } from '../support/api';
import { departmentWithFee, issueNotice } from '../support/fees';

/**
 * Payments over HTTP through the local gateway: exactly once under concurrency, Idempotency-Key
 * semantics, multi-department revenue, refunds. Every test uses departments of its own, so ledger
 * accounts `rev:<dept>:<fee>` hold only its postings.
 */
let clerk: string;
let finance: string;

beforeAll(async () => {
  clerk = await token({ role: 'clerk', window: 'W07' });
  finance = await token({ role: 'finance' });
});

const department = (amount = 5000) => departmentWithFee(amount);
const notice = (d: { fee: string; deptToken: string }, quantity = 1) =>
  issueNotice(d, { quantity, payerName: 'Jane Roe' });

const pay = (body: unknown, opts: { key?: string | null; token?: string } = {}) =>
  api('POST', '/v1/payments', {
    token: opts.token === undefined ? clerk : opts.token || undefined,
    body,
    headers: opts.key === null ? {} : { 'idempotency-key': opts.key ?? randomUUID() },
  });

async function ledgerOf(paymentOrRefundId: string) {
  const r = await api('GET', `/v1/ledger/transactions?businessDate=${today()}&limit=500`, { token: finance });
  expect(r.status).toBe(200);
  const all: any[] = [...r.body.items];
  let cursor = r.body.nextCursor;
  while (cursor) {
    const p = await api('GET', `/v1/ledger/transactions?businessDate=${today()}&limit=500&cursor=${cursor}`, {
      token: finance,
    });
    all.push(...p.body.items);
    cursor = p.body.nextCursor;
  }
  return all.filter((t) => t.ref === paymentOrRefundId);
}

describe('POST /v1/payments', () => {
  it('records a cash payment at the window with a signed receipt and a balanced ledger transaction', async () => {
    const d = await department();
    const n = await notice(d, 2);
    const r = await pay({ noticeNos: [n.noticeNo], channel: 'cash', amount: 10000 });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      noticeNos: [n.noticeNo],
      amount: 10000,
      channel: 'cash',
      bankRef: null,
      windowId: 'W07',
      businessDate: today(),
    });
    expect(r.body.receipt).toMatchObject({
      paymentId: r.body.paymentId,
      payerName: 'J*******',
      total: 10000,
      status: 'valid',
      kind: 'payment',
    });
    expect(r.body.receipt.jws.split('.')).toHaveLength(3);

    const txs = await ledgerOf(r.body.paymentId);
    expect(txs).toHaveLength(1);
    expect(txs[0].postings).toEqual([
      { account: 'clr:cash', debit: 10000, credit: 0 },
      { account: `rev:${d.dept}:${d.fee}`, debit: 0, credit: 10000 },
    ]);
    const seen = await api('GET', `/v1/notices/${n.noticeNo}`, { token: d.deptToken });
    expect(seen.body).toMatchObject({ status: 'paid', paymentId: r.body.paymentId });
    const got = await api('GET', `/v1/payments/${r.body.paymentId}`, { token: finance });
    expect(got.body).toMatchObject({
      paymentId: r.body.paymentId,
      amount: 10000,
      refundedAmount: 0,
      receiptNo: r.body.receipt.receiptNo,
    });
    expect(got.body.receipt).toEqual(r.body.receipt);
    const listed = await api('GET', `/v1/payments?businessDate=${today()}&channel=cash&limit=500`, { token: finance });
    expect(listed.status).toBe(200);
    expect(listed.body.items.every((p: { channel: string }) => p.channel === 'cash')).toBe(true);
  });

  it('posts a multi-notice, multi-department payment to each department’s revenue account', async () => {
    const a = await department(1200);
    const b = await department(3400);
    const n1 = await notice(a);
    const n2 = await notice(b, 2);
    const r = await pay({
      noticeNos: [n1.noticeNo, n2.noticeNo],
      channel: 'card',
      amount: 1200 + 6800,
      bankRef: `CARD-${uniq()}`,
    });
    expect(r.status).toBe(201);
    const [tx] = await ledgerOf(r.body.paymentId);
    expect(tx.postings).toEqual(
      expect.arrayContaining([
        { account: 'clr:card', debit: 8000, credit: 0 },
        { account: `rev:${a.dept}:${a.fee}`, debit: 0, credit: 1200 },
        { account: `rev:${b.dept}:${b.fee}`, debit: 0, credit: 6800 },
      ]),
    );
    expect(tx.postings).toHaveLength(3);
  });

  it('refuses online payments posted here, whoever posts them: 422 online-payment-needs-order, nothing written', async () => {
    const d = await department();
    const n1 = await notice(d);
    const n2 = await notice(d);
    // What the old portal posted: the browser asserting it paid, with a bankRef it made up.
    const body = {
      noticeNos: [n1.noticeNo, n2.noticeNo],
      channel: 'online',
      amount: 10000,
      bankRef: `ONL-${uniq()}`,
      checkCodes: { [n1.noticeNo]: n1.checkCode, [n2.noticeNo]: n2.checkCode },
    };
    for (const r of [await pay(body, { token: '' }), await pay(body)]) {
      expect(r.status).toBe(422);
      expect(r.body.type).toMatch(/\/online-payment-needs-order$/);
    }
    expect((await pay({ ...body, channel: 'cash', bankRef: undefined }, { token: '' })).status).toBe(401);
    const still = await api('GET', `/v1/notices/${n1.noticeNo}`, { token: clerk });
    expect(still.body.status).toBe('issued');
  });

  it('answers amount-mismatch, bank-ref-duplicate, notice-already-paid and notice-cancelled, writing nothing', async () => {
    const d = await department();
    const n = await notice(d);
    const mismatch = await pay({ noticeNos: [n.noticeNo], channel: 'cash', amount: 4999 });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.type).toMatch(/\/amount-mismatch$/);

    const bankRef = `TR-${uniq()}`;
    expect((await pay({ noticeNos: [n.noticeNo], channel: 'transfer', amount: 5000, bankRef })).status).toBe(201);
    const n2 = await notice(d);
    const dup = await pay({ noticeNos: [n2.noticeNo], channel: 'transfer', amount: 5000, bankRef });
    expect(dup.status).toBe(409);
    expect(dup.body.type).toMatch(/\/bank-ref-duplicate$/);
    expect((await api('GET', `/v1/notices/${n2.noticeNo}`, { token: d.deptToken })).body.status).toBe('issued');
    // the same reference on another channel is a different reference
    expect((await pay({ noticeNos: [n2.noticeNo], channel: 'card', amount: 5000, bankRef })).status).toBe(201);

    const again = await pay({ noticeNos: [n.noticeNo], channel: 'cash', amount: 5000 });
    expect(again.status).toBe(409);
    expect(again.body.type).toMatch(/\/notice-already-paid$/);

    const n3 = await notice(d);
    await api('POST', `/v1/notices/${n3.noticeNo}/cancel`, { token: d.deptToken, body: { reason: '撤销' } });
    const cancelled = await pay({ noticeNos: [n3.noticeNo], channel: 'cash', amount: 5000 });
    expect(cancelled.status).toBe(409);
    expect(cancelled.body.type).toMatch(/\/notice-cancelled$/);
  });

  it('validates the request: Idempotency-Key, bankRef per channel, 1-20 distinct notices', async () => {
    const d = await department();
    const n = await notice(d);
    const noKey = await pay({ noticeNos: [n.noticeNo], channel: 'cash', amount: 5000 }, { key: null });
    expect(noKey.status).toBe(400);
    expect(noKey.body.type).toMatch(/\/idempotency-key-required$/);
    expect(
      (await pay({ noticeNos: [n.noticeNo], channel: 'cash', amount: 5000 }, { key: 'k'.repeat(256) })).status,
    ).toBe(400);
    for (const body of [
      { noticeNos: [n.noticeNo], channel: 'card', amount: 5000 },
      { noticeNos: [n.noticeNo], channel: 'cash', amount: 5000, bankRef: 'X1' },
      { noticeNos: [], channel: 'cash', amount: 5000 },
      { noticeNos: [n.noticeNo, n.noticeNo], channel: 'cash', amount: 10000 },
      { noticeNos: Array.from({ length: 21 }, () => n.noticeNo), channel: 'cash', amount: 5000 },
      { noticeNos: [n.noticeNo], channel: 'cash', amount: 50.5 },
      { noticeNos: [n.noticeNo], channel: 'cheque', amount: 5000 },
    ]) {
      const r = await pay(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    expect((await api('GET', `/v1/notices/${n.noticeNo}`, { token: d.deptToken })).body.status).toBe('issued');
  });
});

describe('Idempotency-Key', () => {
  it('replays the first response for the same key and body, and 422 for another body', async () => {
    const d = await department();
    const n = await notice(d);
    const key = randomUUID();
    const body = { noticeNos: [n.noticeNo], channel: 'cash', amount: 5000 };
    const first = await pay(body, { key });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const replay = await pay({ amount: 5000, channel: 'cash', noticeNos: [n.noticeNo] }, { key });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.text).toBe(first.text);
    const other = await pay({ ...body, amount: 5001 }, { key });
    expect(other.status).toBe(422);
    expect(other.body.type).toMatch(/\/idempotency-key-reused$/);
  });

  it('releases the key of a failed attempt so the corrected retry can proceed', async () => {
    const d = await department();
    const n = await notice(d);
    const key = randomUUID();
    const n2 = await notice(d);
    await api('POST', `/v1/notices/${n2.noticeNo}/cancel`, { token: d.deptToken, body: { reason: 'x' } });
    expect((await pay({ noticeNos: [n.noticeNo, n2.noticeNo], channel: 'cash', amount: 10000 }, { key })).status).toBe(
      409,
    );
    expect((await pay({ noticeNos: [n.noticeNo, n2.noticeNo], channel: 'cash', amount: 10000 }, { key })).status).toBe(
      409,
    );
    // a failure is not stored: the same key with the corrected request goes through
    expect((await pay({ noticeNos: [n.noticeNo], channel: 'cash', amount: 5000 }, { key })).status).toBe(201);
  });

  it('50 concurrent requests under the same key: one payment, consistent replays or 409 in progress', async () => {
    const d = await department();
    const n = await notice(d);
    const key = randomUUID();
    const body = { noticeNos: [n.noticeNo], channel: 'cash', amount: 5000 };
    const rs = await Promise.all(Array.from({ length: 50 }, () => pay(body, { key })));
    const created = rs.filter((r) => r.status === 201);
    const inProgress = rs.filter((r) => r.status === 409);
    expect(created.length + inProgress.length).toBe(50);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const r of inProgress) expect(r.body.type).toMatch(/\/idempotency-in-progress$/);
    expect(new Set(created.map((r) => r.text)).size).toBe(1); // every 201 is the same payment, byte for byte
    expect(created.filter((r) => r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
    const final = await pay(body, { key });
    expect(final.status).toBe(201);
    expect(final.text).toBe(created[0]!.text);
    expect(await ledgerOf(final.body.paymentId)).toHaveLength(1);
  });
});

describe('exactly once', () => {
  it('50 concurrent payments of the same notice under different keys: one 201, the rest 409, one ledger transaction', async () => {
    const d = await department();
    const n = await notice(d);
    const rs = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        pay({ noticeNos: [n.noticeNo], channel: 'transfer', amount: 5000, bankRef: `C50-${uniq()}-${i}` }),
      ),
    );
    const statuses = rs.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    for (const r of rs.filter((x) => x.status === 409)) expect(r.body.type).toMatch(/\/notice-already-paid$/);
    const winner = rs.find((r) => r.status === 201)!;
    const txs = await api(
      'GET',
      `/v1/ledger/transactions?businessDate=${today()}&account=${encodeURIComponent(`rev:${d.dept}:${d.fee}`)}&limit=500`,
      { token: finance },
    );
    expect(txs.body.items).toHaveLength(1);
    expect(txs.body.items[0].ref).toBe(winner.body.paymentId);
    const notice_ = await api('GET', `/v1/notices/${n.noticeNo}`, { token: d.deptToken });
    expect(notice_.body.paymentId).toBe(winner.body.paymentId);
  });
});

describe('refunds', () => {
  it('refunds in parts into a reversing transaction with red receipts, and never beyond the payment', async () => {
    const a = await department(1000);
    const b = await department(2000);
    const p = (
      await pay({ noticeNos: [(await notice(a)).noticeNo, (await notice(b)).noticeNo], channel: 'cash', amount: 3000 })
    ).body;
    const refund = (amount: number, key = randomUUID()) =>
      api('POST', `/v1/payments/${p.paymentId}/refunds`, {
        token: finance,
        body: { amount, reason: '多收退费' },
        headers: { 'idempotency-key': key },
      });

    expect(
      (await api('POST', `/v1/payments/${p.paymentId}/refunds`, { token: finance, body: { amount: 1, reason: 'x' } }))
        .status,
    ).toBe(400);
    expect(
      (
        await api('POST', `/v1/payments/${p.paymentId}/refunds`, {
          token: clerk,
          body: { amount: 1, reason: 'x' },
          headers: { 'idempotency-key': 'k' },
        })
      ).status,
    ).toBe(403);

    const first = await refund(1500);
    expect(first.status).toBe(201);
    expect(first.body.receipt).toMatchObject({
      kind: 'reversal',
      originalReceiptNo: p.receipt.receiptNo,
      total: 1500,
      payerName: p.receipt.payerName,
    });
    expect(first.body.originalReceipt).toEqual({ receiptNo: p.receipt.receiptNo, status: 'partially-reversed' });
    // proportional: 1000:2000 of 1500 → 500 and 1000
    expect(first.body.lines).toEqual([
      { departmentId: a.dept, feeCode: a.fee, amount: 500 },
      { departmentId: b.dept, feeCode: b.fee, amount: 1000 },
    ]);
    const [tx] = await ledgerOf(first.body.refundId);
    expect(tx).toMatchObject({ kind: 'refund', businessDate: today() });
    expect(tx.postings).toEqual(
      expect.arrayContaining([
        { account: `rev:${a.dept}:${a.fee}`, debit: 500, credit: 0 },
        { account: `rev:${b.dept}:${b.fee}`, debit: 1000, credit: 0 },
        { account: 'clr:cash', debit: 0, credit: 1500 },
      ]),
    );

    const tooMuch = await refund(1501);
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.type).toMatch(/\/refund-exceeds-payment$/);

    // concurrent refunds of the rest: their sum never exceeds what is left
    const rs = await Promise.all(Array.from({ length: 8 }, () => refund(500)));
    expect(rs.filter((r) => r.status === 201)).toHaveLength(3);
    for (const r of rs.filter((x) => x.status !== 201)) expect([409, 422]).toContain(r.status);
    const after = await api('GET', `/v1/payments/${p.paymentId}`, { token: finance });
    expect(after.body.refundedAmount).toBe(3000);
    const original = await api('GET', `/v1/receipts/${p.receipt.receiptNo}?checkCode=${p.receipt.checkCode}`);
    expect(original.body.status).toBe('reversed');
  });
});

describe('bad input never gets a 5xx', () => {
  it('answers absurd path parameters, cursors and bodies with 4xx', async () => {
    const long = 'P'.repeat(3000);
    const rs = [
      await api('GET', `/v1/payments/${long}`, { token: finance }),
      await api('POST', `/v1/payments/${long}/refunds`, {
        token: finance,
        body: { amount: 1, reason: 'x' },
        headers: { 'idempotency-key': randomUUID() },
      }),
      await api('GET', `/v1/receipts/${'9'.repeat(3000)}?checkCode=X`),
      await api('GET', `/v1/notices/${'9'.repeat(3000)}?checkCode=X`),
      await api('POST', '/v1/receipts/verify', { body: { receiptNo: '9'.repeat(64), checkCode: 'X' } }),
      await api('POST', '/v1/receipts/verify', { body: { jws: 'a.b.c' } }),
      await api('GET', '/v1/payments?cursor=eyJwYWlkQXQiOjF9', { token: finance }),
      await api('GET', '/v1/payments?businessDate=2026-02-30', { token: finance }),
      await api('POST', '/v1/payments', {
        token: clerk,
        rawBody: '{"noticeNos":',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'k' },
      }),
      await api('POST', '/v1/payments', {
        token: clerk,
        body: { noticeNos: ['1'.repeat(20)], channel: 'cash', amount: 1, checkCodes: { a: 1 } },
        headers: { 'idempotency-key': 'k2' },
      }),
    ];
    for (const r of rs) expect(r.status, r.text).toBeLessThan(500);
  });
});

/**
 * A POST from another loopback address: its own rate-limit bucket, untouched by the rest of the run.
 * Straight to the gateway (the proxy would be the client Prism's address), checked against the document here.
 */
async function postFrom(
  localAddress: string,
  path: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; body: any }> {
  const url = new URL(inject('gatewayUrl') + path);
  const data = JSON.stringify(body);
  const r = await new Promise<{ status: number; headers: IncomingHttpHeaders; text: string }>((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        localAddress,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
  const parsed = r.text ? JSON.parse(r.text) : undefined;
  await expectDocumented('POST', path, { status: r.status, headers: headersOf(r.headers), text: r.text, body: parsed });
  return { status: r.status, body: parsed };
}

describe('anonymous posts to /v1/payments are still counted per client', () => {
  it('answers 422 online-payment-needs-order, then 429 once the client is over its budget', async () => {
    const d = await department();
    const n = await notice(d);
    const intoWindow = (Date.now() / 1000) % 60;
    if (intoWindow > 54) await new Promise((r) => setTimeout(r, (61 - intoWindow) * 1000));
    const from = `127.1.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 33; i++) {
      const r = await postFrom(
        from,
        '/v1/payments',
        {
          noticeNos: [n.noticeNo],
          channel: 'online',
          amount: 1,
          bankRef: `G${i}`,
          checkCodes: { [n.noticeNo]: `GUESS${String(i).padStart(3, '0')}` },
        },
        { 'idempotency-key': randomUUID() },
      );
      statuses.push(r.status);
    }
    expect(statuses.slice(0, 30).every((s) => s === 422)).toBe(true);
    expect(statuses.slice(30)).toEqual([429, 429, 429]);
  });
});

describe('GET /v1/payments', () => {
  it('pages one day’s payments of a channel in (paidAt, paymentId) order without gaps or repeats', async () => {
    const d = await department(100);
    const mine: string[] = [];
    for (let i = 0; i < 5; i++)
      mine.push(
        (
          await pay({
            noticeNos: [(await notice(d)).noticeNo],
            channel: 'transfer',
            amount: 100,
            bankRef: `PG-${uniq()}`,
          })
        ).body.paymentId,
      );
    const seen: any[] = [];
    let cursor: string | null = null;
    do {
      const r: any = await api(
        'GET',
        `/v1/payments?businessDate=${today()}&channel=transfer&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        { token: finance },
      );
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...r.body.items);
      cursor = r.body.nextCursor;
    } while (cursor);
    const ids = seen.map((p) => p.paymentId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(mine));
    expect(seen.every((p) => p.channel === 'transfer')).toBe(true);
    const order = seen.map((p) => `${p.paidAt}#${p.paymentId}`);
    expect(order).toEqual([...order].sort());
    const bad = Buffer.from(JSON.stringify({ at: 'x'.repeat(2000) })).toString('base64url');
    expect((await api('GET', `/v1/payments?cursor=${bad}`, { token: finance })).status).toBe(400);
  });
});
