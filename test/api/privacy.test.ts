import { ScanCommand, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidResidentId } from '../../functions/shared/domain/ids';
import { freePort } from '../../infra/local/dynamodb';
import { issueLocalToken, type TokenClaims } from '../../infra/local/keys';
import { startLocalStack, type LocalStack } from '../../infra/local/stack';
import { reloadConfig } from '../../functions/shared/config';
import { TABLE_NAMES } from '../../schemas/tables';
import { tableName } from '../../functions/shared/wiring';
import { send } from '../support/api';
import { startValidatingProxy, type ValidatingProxy } from '../support/prism';

/**
 * Privacy, end to end: canary payers go through the whole money path (issue, look up, pay online and
 * at the counter, refund, receipts, verification, open data) and through every kind of bad input that
 * carries their identity; then EVERYTHING the stack wrote — its log output, every item of every table
 * but Notices, every response a payer or the public gets — is searched for them.
 *
 * This file runs a stack of its own (in memory, on free ports, LOG_LEVEL=debug) inside the test
 * process, because the handlers log to the stdout of the process the gateway runs in, and that is
 * the only way to capture all of it.
 */

const CANARY_A = {
  name: 'Quillonia Brackenridge-Vasquez',
  idType: 'resident-id',
  idNumber: '11010519491231002X',
  phone: '+86 139 0417 5286',
} as const;
const CANARY_B = { name: '欧阳雀鸣翠', idType: 'passport', idNumber: 'G73920461', phone: '13807395164' } as const;
const CANARY_EMAIL = 'quill.canary.7f3k@example.org';
const CANARY_PAYERS = [CANARY_A, CANARY_B];

const digitsOf = (s: string) => s.replace(/\D/g, '');

/** The canary texts that must never appear (the full strings; digit runs are checked separately). */
const CANARY_STRINGS = [
  ...CANARY_PAYERS.flatMap((p) => [p.name, p.idNumber, p.phone, digitsOf(p.phone)]),
  CANARY_EMAIL,
];
/** Digit sequences of which no run of 6 or more digits may appear (ID numbers and phones). */
const CANARY_DIGITS = CANARY_PAYERS.flatMap((p) => [digitsOf(p.idNumber), digitsOf(p.phone)]);

/**
 * Base64url tokens (JWS segments, cursors) are decoded and searched too: a name inside a signed
 * receipt or a cursor is just as leaked.
 */
function expand(text: string): string {
  const parts = [text];
  // Percent-encoded (a reflected URL) …
  for (const m of text.matchAll(/(?:%[0-9A-Fa-f]{2}|[\w.~-])*%[0-9A-Fa-f]{2}(?:%[0-9A-Fa-f]{2}|[\w.~-])*/g)) {
    try {
      parts.push(decodeURIComponent(m[0]));
    } catch {
      /* not a complete UTF-8 sequence */
    }
  }
  // … and base64url (a JWS payload, a cursor).
  for (const m of text.matchAll(/[A-Za-z0-9_-]{16,}/g)) {
    const decoded = Buffer.from(m[0], 'base64url').toString('utf8');
    if (!decoded.includes('\uFFFD')) parts.push(decoded);
  }
  return parts.join('\n');
}

/**
 * What of the canaries a text contains. A digit leak is a maximal run of 6+ digits that is part of a
 * canary's digits: document numbers (20 digits), epoch times and stream sequence numbers are runs of
 * their own and do not count, while "110105194912" or a whole ID number does.
 */
export function canariesIn(text: string, strings = CANARY_STRINGS): string[] {
  const t = expand(text);
  const found = strings.filter((s) => t.includes(s));
  for (const run of t.match(/\d{6,}/g) ?? [])
    if (CANARY_DIGITS.some((d) => d.includes(run))) found.push(`digits ${run}`);
  return [...new Set(found)];
}

let stack: LocalStack;
let proxy: ValidatingProxy;
let dataDir: string;
let doc: DynamoDBDocumentClient;
let captured = '';
const restore: (() => void)[] = [];
const env: Record<string, string | undefined> = {};

/** Every response body the public, a payer or a non-issuing caller got. */
const publicResponses: { what: string; text: string }[] = [];
/** Full views for the issuing department, the clerk and finance: allowed to show identity. */
const privilegedResponses: { what: string; text: string }[] = [];

interface Res {
  status: number;
  body: any;
  text: string;
  ms: number;
}

async function call(
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string>; privileged?: boolean } = {},
): Promise<Res> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined = opts.raw;
  if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const started = performance.now();
  // Through this file's own validating proxy, like every API test (test/support/api.ts `send`).
  const res = await send({ proxy: proxy.url, gateway: stack.gateway.url }, method, path, { headers, body });
  const text = res.text;
  const ms = performance.now() - started;
  (opts.privileged ? privilegedResponses : publicResponses).push({
    what: `${method} ${path} → ${res.status}`,
    text: `${JSON.stringify([...res.headers])}\n${text}`,
  });
  return { status: res.status, body: res.body, text, ms };
}

const tokenFor = (claims: TokenClaims) => issueLocalToken(claims, process.env.LOCAL_KEY_DIR);

async function scanAll(table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const r: ScanCommandOutput = await doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...(r.Items ?? []));
    start = r.LastEvaluatedKey;
  } while (start);
  return items;
}

let admin: string;
let clerk: string;
let finance: string;
let dept: string;
let deptToken: string;
let otherDeptToken: string;
let fee: string;
const notices: Record<'A' | 'B' | 'C', { noticeNo: string; checkCode: string; total: number }> = {} as never;
let paymentA: any;
let paymentB: any;

beforeAll(async () => {
  for (const k of [
    'LOG_LEVEL',
    'NOTICE_LOOKUP_LIMIT',
    'RECEIPT_LOOKUP_LIMIT',
    'ONLINE_PAYMENT_LIMIT',
    'DYNAMODB_ENDPOINT',
    'LOCAL_KEY_DIR',
    'OPEN_DATA_FILES_DIR',
    'LAMBDA_ENDPOINT',
    'OPEN_DATA_PUBLISHER_FUNCTION',
  ])
    env[k] = process.env[k];
  process.env.LOG_LEVEL = 'debug';
  // The look-up limits are read per request: high while the scenario runs, lowered in the rate-limit test.
  process.env.NOTICE_LOOKUP_LIMIT = '10000';
  process.env.RECEIPT_LOOKUP_LIMIT = '10000';
  process.env.ONLINE_PAYMENT_LIMIT = '10000';
  reloadConfig();
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    }) as typeof stream.write;
    restore.push(() => (stream.write = original as typeof stream.write));
  }
  dataDir = mkdtempSync(join(tmpdir(), 'one-window-privacy-'));
  stack = await startLocalStack({ port: await freePort(), dynamoPort: await freePort(), inMemory: true, dataDir });
  const document = await (await fetch(`${stack.gateway.url}/v1/openapi.json`)).json();
  proxy = await startValidatingProxy({ upstream: stack.gateway.url, document });
  doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: stack.dynamo.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );

  admin = await tokenFor({ role: 'admin' });
  clerk = await tokenFor({ role: 'clerk', window: 'W09' });
  finance = await tokenFor({ role: 'finance' });
  dept = `PRIV${randomUUID().slice(0, 4).toUpperCase()}`;
  fee = `PRIV-${randomUUID().slice(0, 6).toUpperCase()}`;
  deptToken = await tokenFor({ role: 'department', dept });
  otherDeptToken = await tokenFor({ role: 'department', dept: 'OTHER1' });
  expect((await call('POST', '/v1/departments', { token: admin, body: { id: dept, name: '公安局' } })).status).toBe(
    201,
  );
  const item = await call('POST', '/v1/fee-items', {
    token: admin,
    body: {
      code: fee,
      departmentId: dept,
      name: '居民身份证工本费',
      category: 'administrative-fee',
      legalBasis: '《条例》',
      approvedBy: '发改委',
      pricing: { kind: 'fixed', amount: 2000 },
    },
  });
  expect(item.status).toBe(201);
  const issue = async (payer: object, quantity: number) => {
    const r = await call('POST', '/v1/notices', {
      token: deptToken,
      body: { payer, lines: [{ feeCode: fee, quantity }] },
      privileged: true,
    });
    expect(r.status, r.text).toBe(201);
    return {
      noticeNo: r.body.noticeNo as string,
      checkCode: r.body.checkCode as string,
      total: r.body.total as number,
    };
  };
  notices.A = await issue(CANARY_A, 3);
  notices.B = await issue(CANARY_B, 1);
  notices.C = await issue({ ...CANARY_A, idNumber: CANARY_A.idNumber.toLowerCase() }, 2);
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await stack?.stop();
  for (const r of restore) r();
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  reloadConfig();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('privacy: canary payers through the whole money path', () => {
  it('the canary resident ID is a valid GB 11643 number (else the notices would not be issued at all)', () => {
    expect(isValidResidentId(CANARY_A.idNumber)).toBe(true);
  });

  it('staff full views show the identity; the payer view masks it and omits the check code', async () => {
    const full = await call('GET', `/v1/notices/${notices.A.noticeNo}`, { token: deptToken, privileged: true });
    expect(full.status).toBe(200);
    expect(full.body.payer).toEqual(CANARY_A);
    expect(
      (await call('GET', `/v1/notices/${notices.B.noticeNo}`, { token: clerk, privileged: true })).body.payer,
    ).toEqual(CANARY_B);
    const list = await call('GET', `/v1/notices?department=${dept}`, { token: finance, privileged: true });
    expect(list.status).toBe(200);
    expect(canariesIn(list.text)).toEqual(expect.arrayContaining([CANARY_A.name, CANARY_B.name, CANARY_A.idNumber]));

    const payer = await call('GET', `/v1/notices/${notices.A.noticeNo}?checkCode=${notices.A.checkCode.toLowerCase()}`);
    expect(payer.status).toBe(200);
    expect(payer.body.payer).toEqual({
      name: 'Q*****************************',
      idType: 'resident-id',
      idNumber: '1101**********002X',
      phone: '+86**********5286',
    });
    expect(payer.body).not.toHaveProperty('checkCode');
    const payerB = await call('GET', `/v1/notices/${notices.B.noticeNo}?checkCode=${notices.B.checkCode}`);
    expect(payerB.body.payer.name).toBe('欧****');
    // Another department sees neither the notice nor who it is for.
    const other = await call('GET', `/v1/notices/${notices.A.noticeNo}`, { token: otherDeptToken });
    expect(other.status).toBe(403);
  });

  it('a wrong check code, a missing notice and a malformed number answer the same 404, in similar time', async () => {
    const { noticeNo, checkCode } = notices.A;
    const wrongCode = checkCode.slice(0, 7) + (checkCode[7] === 'Z' ? 'Y' : 'Z');
    const missingNo = noticeNo.slice(0, 8) + '000000000000'; // not a notice (and most likely a bad check digit)
    const lookups = [
      `/v1/notices/${noticeNo}?checkCode=${wrongCode}`,
      `/v1/notices/${noticeNo}?checkCode=`,
      `/v1/notices/${noticeNo}`,
      `/v1/notices/${missingNo}?checkCode=${checkCode}`,
      `/v1/notices/${CANARY_A.idNumber}?checkCode=${checkCode}`,
    ];
    const answers = await Promise.all(lookups.map((p) => call('GET', p)));
    for (const a of answers) expect(a.status).toBe(404);
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);

    // Timing: a wrong code and a missing notice both cost one consistent read; interleaved so load drifts
    // affect both alike. The bound is loose (a shared CI machine), but a path that skipped the read or
    // compared codes early would still differ by the read's cost on every request.
    const validMissing = async () => {
      // a well-formed (Luhn-valid) number that is not issued, so the missing case reads the table too
      const { documentNumber } = await import('../../functions/shared/domain/ids');
      return documentNumber(`${noticeNo.slice(0, 4)}-${noticeNo.slice(4, 6)}-${noticeNo.slice(6, 8)}`);
    };
    const wrong: number[] = [];
    const missing: number[] = [];
    for (let i = 0; i < 25; i++) {
      wrong.push((await call('GET', `/v1/notices/${noticeNo}?checkCode=${wrongCode}`)).ms);
      const m = await call('GET', `/v1/notices/${await validMissing()}?checkCode=${checkCode}`);
      expect(m.text).toBe(answers[0]!.text);
      missing.push(m.ms);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    expect(median(wrong)).toBeLessThan(median(missing) * 2 + 5);
    expect(median(missing)).toBeLessThan(median(wrong) * 2 + 5);
  });

  it('pays online and at the counter, refunds; receipts carry only the masked name', async () => {
    const wrongOnline = await call('POST', '/v1/payment-orders', {
      body: { noticeNos: [notices.A.noticeNo], checkCodes: { [notices.A.noticeNo]: 'AAAAAAAA' } },
    });
    expect(wrongOnline.status).toBe(404);

    // Online: an order, the provider's page, its confirmation; the order's holder reads the payment.
    const order = await call('POST', '/v1/payment-orders', {
      body: {
        noticeNos: [notices.A.noticeNo, notices.C.noticeNo],
        checkCodes: { [notices.A.noticeNo]: notices.A.checkCode, [notices.C.noticeNo]: notices.C.checkCode },
      },
    });
    expect(order.status, order.text).toBe(201);
    expect((await fetch(order.body.redirectUrl)).status).toBe(200);
    const done = await fetch(`${stack.provider.url}/sandbox/orders/${order.body.providerOrderId}/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: 'success' }),
    });
    expect(done.status).toBe(200);
    let read = await call('GET', `/v1/payment-orders/${order.body.orderId}`, {
      headers: { 'x-order-token': order.body.orderToken },
    });
    for (let i = 0; i < 50 && read.body.status !== 'succeeded'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      read = await call('GET', `/v1/payment-orders/${order.body.orderId}`, {
        headers: { 'x-order-token': order.body.orderToken },
      });
    }
    expect(read.body.status, read.text).toBe('succeeded');
    paymentA = { ...read.body.payment, receipt: read.body.receipt };
    expect(paymentA.receipt.payerName).toBe('Q*****************************');

    const cash = await call('POST', '/v1/payments', {
      token: clerk,
      body: { noticeNos: [notices.B.noticeNo], channel: 'cash', amount: notices.B.total },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(cash.status, cash.text).toBe(201);
    paymentB = cash.body;
    expect(paymentB.receipt.payerName).toBe('欧****');

    const refund = async (p: any, amount: number) => {
      const r = await call('POST', `/v1/payments/${p.paymentId}/refunds`, {
        token: finance,
        body: { amount, reason: 'duplicate charge' },
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(r.status, r.text).toBe(201);
      return r.body;
    };
    const partial = await refund(paymentA, 1000);
    await refund(paymentA, paymentA.amount - 1000);
    await refund(paymentB, paymentB.amount);
    expect(partial.receipt.payerName).toBe(paymentA.receipt.payerName);

    for (const p of [paymentA, paymentB, partial]) {
      const r = await call('GET', `/v1/receipts/${p.receipt.receiptNo}?checkCode=${p.receipt.checkCode}`);
      expect(r.status).toBe(200);
      expect((await call('POST', '/v1/receipts/verify', { body: { jws: p.receipt.jws } })).body.valid).toBe(true);
      expect(
        (
          await call('POST', '/v1/receipts/verify', {
            body: { receiptNo: p.receipt.receiptNo, checkCode: p.receipt.checkCode },
          })
        ).body.valid,
      ).toBe(true);
    }
    const wrongReceipt = await call('GET', `/v1/receipts/${paymentA.receipt.receiptNo}?checkCode=AAAAAAAA`);
    expect(wrongReceipt.status).toBe(404);
    expect((await call('GET', `/v1/payments/${paymentA.paymentId}`, { token: finance })).status).toBe(200);
    expect((await call('GET', `/v1/ledger/transactions?limit=500`, { token: finance })).status).toBe(200);
  });

  it('bad input that carries the identity is refused without echoing it', async () => {
    const bad = async (body: unknown, opts: { raw?: string; contentType?: string } = {}) => {
      const r = await call('POST', '/v1/notices', {
        token: deptToken,
        body: opts.raw === undefined ? body : undefined,
        raw: opts.raw,
        headers: opts.contentType ? { 'content-type': opts.contentType } : {},
      });
      expect(r.status, r.text).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      return r;
    };
    const line = [{ feeCode: fee }];
    const wrongCheckDigit = CANARY_A.idNumber.slice(0, 17) + '1';
    const cases: unknown[] = [
      { payer: { ...CANARY_A, idNumber: wrongCheckDigit }, lines: line },
      { payer: { ...CANARY_A, phone: `${CANARY_A.phone} ext. ${CANARY_A.name}` }, lines: line },
      { payer: { ...CANARY_A, idType: CANARY_A.idNumber }, lines: line },
      { payer: { ...CANARY_A, name: CANARY_A.name.repeat(5) }, lines: line },
      { payer: { ...CANARY_A, name: [CANARY_A.name] }, lines: line },
      { payer: { ...CANARY_A, nickname: CANARY_A.name }, lines: line },
      { payer: { ...CANARY_A, [CANARY_A.idNumber]: true, [CANARY_B.name]: true, [CANARY_A.phone]: true }, lines: line },
      { payer: { ...CANARY_A }, lines: [{ feeCode: CANARY_A.idNumber }] },
      { payer: { ...CANARY_A }, lines: [{ feeCode: fee, quantity: CANARY_A.idNumber }] },
      { payer: { ...CANARY_A }, lines: line, dueDate: CANARY_A.idNumber },
      { payer: { ...CANARY_A }, lines: line, price: 1 },
      { payer: CANARY_A.name, lines: line },
      { payer: { ...CANARY_B, idType: 'resident-id' }, lines: line },
      { payer: { ...CANARY_B, phone: `tel:${CANARY_B.phone}` }, lines: line },
    ];
    for (const c of cases) await bad(c);
    await bad(undefined, { raw: `{"payer": {"name": "${CANARY_A.name}", "idNumber": "${CANARY_A.idNumber}"` });
    await bad(undefined, { raw: JSON.stringify({ payer: CANARY_A, lines: line }), contentType: 'text/plain' });
    // a notice-number-shaped path and query carrying an identity
    await call('GET', `/v1/notices/${digitsOf(CANARY_A.idNumber)}000?checkCode=${encodeURIComponent(CANARY_A.name)}`);
    await call('GET', `/v1/notices?status=${encodeURIComponent(CANARY_A.name)}`, { token: deptToken });
    // the payment, order and verification routes, anonymous
    await call('POST', '/v1/payments', {
      body: {
        noticeNos: [CANARY_A.idNumber],
        channel: 'online',
        amount: 1,
        bankRef: CANARY_A.name,
        checkCodes: { [CANARY_A.idNumber]: CANARY_A.phone },
      },
      headers: { 'idempotency-key': randomUUID() },
    });
    await call('POST', '/v1/payment-orders', {
      body: { noticeNos: [CANARY_A.idNumber], checkCodes: { [CANARY_A.idNumber]: CANARY_A.phone } },
    });
    await call('POST', '/v1/payment-orders', {
      body: {
        noticeNos: [notices.A.noticeNo],
        checkCodes: { [CANARY_A.idNumber]: 'x'.repeat(65) },
        returnUrl: `http://x/${CANARY_A.name}`,
        [CANARY_B.name]: 1,
      },
    });
    await call('POST', '/v1/receipts/verify', { body: { receiptNo: CANARY_A.idNumber, checkCode: CANARY_A.name } });
    await call('POST', '/v1/receipts/verify', {
      body: { jws: `${CANARY_A.name}.${CANARY_A.idNumber}.${CANARY_A.phone}` },
    });
    await call(
      'GET',
      `/v1/receipts/${encodeURIComponent(CANARY_A.idNumber)}?checkCode=${encodeURIComponent(CANARY_A.phone)}`,
    );
    await call('GET', `/v1/fee-items/${encodeURIComponent(CANARY_A.idNumber)}`);
    await call('GET', `/v1/payments/${encodeURIComponent(CANARY_A.idNumber)}`, { token: finance });
    await call('POST', `/v1/payments/${encodeURIComponent(CANARY_A.idNumber)}/refunds`, {
      token: finance,
      body: { amount: 1, reason: 'x' },
      headers: { 'idempotency-key': randomUUID() },
    });
    await call('POST', `/v1/open/keys`, {
      body: { name: CANARY_A.name, email: `${CANARY_A.idNumber}@`, purpose: CANARY_A.phone },
    });
    await call('GET', `/${encodeURIComponent(CANARY_A.name)}`);
  });

  it('finance and ledger errors name the field, never echo the caller’s value', async () => {
    const refused = async (method: string, path: string, opts: Parameters<typeof call>[2], status: number) => {
      const r = await call(method, path, opts);
      expect([r.status, r.text]).toEqual([status, expect.any(String)]);
      expect(canariesIn(r.text), r.text).toEqual([]);
      return r;
    };
    const idNumber = CANARY_A.idNumber;
    // The department spends from an allocation that does not exist: 422 naming allocationId.
    const spend = await refused(
      'POST',
      '/v1/expenditures',
      { token: deptToken, body: { allocationId: idNumber, amount: 100, payee: '某公司', purpose: '办公用品' } },
      422,
    );
    expect(spend.body.errors).toEqual([{ path: 'allocationId', message: expect.any(String) }]);
    // A department id made of an identity's digits, for a fee item and for a budget allocation.
    const departmentId = `D${digitsOf(idNumber).slice(0, 12)}`;
    const feeItem = {
      code: `PRIVX-${randomUUID().slice(0, 4).toUpperCase()}`,
      departmentId,
      name: '工本费',
      category: 'administrative-fee',
      legalBasis: '《条例》',
      approvedBy: '发改委',
      pricing: { kind: 'fixed', amount: 100 },
    };
    await refused('POST', '/v1/fee-items', { token: admin, body: feeItem }, 422);
    await refused(
      'POST',
      '/v1/budget-allocations',
      { token: finance, body: { departmentId, fiscalYear: 2026, amount: 100, purpose: '办公' } },
      422,
    );
    // A reconciliation id, in every route that takes one.
    for (const id of [idNumber, encodeURIComponent(CANARY_B.name)]) {
      await refused('GET', `/v1/reconciliations/${id}`, { token: finance }, 404);
      await refused(
        'POST',
        `/v1/reconciliations/${id}/resolutions`,
        { token: finance, body: { itemRef: 'x', action: 'suspense', note: 'n' } },
        404,
      );
      await refused(
        'POST',
        `/v1/reconciliations/${id}/accept`,
        { token: finance, headers: { 'idempotency-key': randomUUID() } },
        404,
      );
    }
    // A resolution of a difference the run does not have, by an itemRef that carries an identity.
    const date = '2025-01-15';
    const st = await call('POST', `/v1/bank-statements?date=${date}`, {
      token: finance,
      raw: `bankRef,valueDate,amount,channel,noticeNo,windowId\nPRIV-1,${date},1.00,transfer,,\n`,
      headers: { 'content-type': 'text/csv' },
    });
    const run = await call('POST', '/v1/reconciliations', {
      token: finance,
      body: { businessDate: date, statementIds: [st.body.statementId] },
    });
    expect(run.status, run.text).toBe(201);
    const resolution = await refused(
      'POST',
      `/v1/reconciliations/${run.body.id}/resolutions`,
      { token: finance, body: { itemRef: `ML:transfer:${idNumber}`, action: 'suspense', note: 'n' } },
      422,
    );
    expect(resolution.body.errors).toEqual([{ path: 'itemRef', message: expect.any(String) }]);
    // A payment whose amount is an identity's digits: the mismatch names the field, not the amount sent.
    const amount = Number(digitsOf(idNumber).slice(0, 9));
    const unpaid = await call('POST', '/v1/notices', {
      token: deptToken,
      body: { payer: { name: '某人', idType: 'other', idNumber: 'X-1' }, lines: [{ feeCode: fee }] },
      privileged: true,
    });
    expect(unpaid.status, unpaid.text).toBe(201);
    const pay = await refused(
      'POST',
      '/v1/payments',
      {
        token: clerk,
        body: { noticeNos: [unpaid.body.noticeNo], channel: 'cash', amount },
        headers: { 'idempotency-key': randomUUID() },
      },
      422,
    );
    expect(pay.body.errors).toEqual([{ path: 'amount', message: expect.any(String) }]);
  });

  it('open data: a consumer signs up with a canary e-mail; releases and every open-data response are free of canaries', async () => {
    const key = await call('POST', '/v1/open/keys', {
      body: { name: 'Canary Research', email: CANARY_EMAIL, purpose: 'privacy test' },
    });
    expect(key.status, key.text).toBe(201);
    const apiKey = key.body.apiKey as string;
    await stack.streams.drained();
    const published = await call('POST', '/v1/open/publish', { token: finance });
    expect(published.status, published.text).toBe(202);
    // The publisher runs asynchronously (in this process's stack): wait for it, then read its job.
    await stack.lambda.settled();
    const job = await call('GET', `/v1/open/publications/${published.body.jobId}`, { token: finance });
    expect(job.body.status, job.text).toBe('succeeded');
    await call('GET', '/v1/open/data.json');
    const datasets = await call('GET', '/v1/open/datasets', { headers: { 'x-api-key': apiKey } });
    expect(datasets.status).toBe(200);
    for (const d of datasets.body.items as { id: string }[]) {
      await call('GET', `/v1/open/datasets/${d.id}`, { headers: { 'x-api-key': apiKey } });
      await call('GET', `/v1/open/datasets/${d.id}/datapackage.json`);
      await call('GET', `/v1/open/datasets/${d.id}/releases`, { headers: { 'x-api-key': apiKey } });
      expect(
        (await call('GET', `/v1/open/datasets/${d.id}/rows?limit=500`, { headers: { 'x-api-key': apiKey } })).status,
      ).toBe(200);
      await call('GET', `/v1/open/datasets/${d.id}/rows?limit=500`, {
        headers: { 'x-api-key': apiKey, accept: 'text/csv' },
      });
      await call('GET', `/v1/open/datasets/${d.id}/rows?release=${encodeURIComponent(CANARY_A.idNumber)}`, {
        headers: { 'x-api-key': apiKey },
      });
    }
    await call('GET', `/v1/open/datasets/${encodeURIComponent(CANARY_A.idNumber)}/rows`, {
      headers: { 'x-api-key': apiKey },
    });
    await call('GET', `/v1/open/datasets/${encodeURIComponent(CANARY_A.name)}/datapackage.json`);
    await call(
      'GET',
      `/v1/open/datasets/monthly-collections/rows?departmentId=${encodeURIComponent(CANARY_A.idNumber)}&${encodeURIComponent(CANARY_B.name)}=1`,
      {
        headers: { 'x-api-key': apiKey },
      },
    );
  });

  it('the rate limit stops check-code guessing on every path that takes a code', async () => {
    process.env.NOTICE_LOOKUP_LIMIT = '3';
    process.env.RECEIPT_LOOKUP_LIMIT = '3';
    process.env.ONLINE_PAYMENT_LIMIT = '3';
    reloadConfig();
    try {
      // The window's counters already hold this test's earlier requests from 127.0.0.1; within 4
      // more of each kind, every path must have turned to 429.
      const paths: (() => Promise<Res>)[] = [
        () => call('GET', `/v1/notices/${notices.A.noticeNo}?checkCode=AAAAAAAA`),
        () => call('GET', `/v1/receipts/${paymentA.receipt.receiptNo}?checkCode=AAAAAAAA`),
        () =>
          call('POST', '/v1/receipts/verify', {
            body: { receiptNo: paymentA.receipt.receiptNo, checkCode: 'AAAAAAAA' },
          }),
        () =>
          call('POST', '/v1/payment-orders', {
            body: { noticeNos: [notices.B.noticeNo], checkCodes: { [notices.B.noticeNo]: 'AAAAAAAA' } },
          }),
      ];
      for (const p of paths) {
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) statuses.push((await p()).status);
        expect(statuses.at(-1)).toBe(429);
      }
      // ... and a right code does not get through while limited.
      expect((await call('GET', `/v1/notices/${notices.A.noticeNo}?checkCode=${notices.A.checkCode}`)).status).toBe(
        429,
      );
    } finally {
      process.env.NOTICE_LOOKUP_LIMIT = '10000';
      process.env.RECEIPT_LOOKUP_LIMIT = '10000';
      process.env.ONLINE_PAYMENT_LIMIT = '10000';
      reloadConfig();
    }
  });

  it('the portal’s static files: no way out of web/dist/, no 5xx for odd paths', async () => {
    const secretPaths = [
      '/..%2fpackage.json',
      '/..%2f..%2f..%2fetc%2fpasswd',
      '/%2e%2e/%2e%2e/package.json',
      '/..%5cpackage.json',
      '/web/..%2f..%2fpackage.json',
      `/..%2f.data%2fkeys%2fauth.jwk.json`,
      `/..%2f..%2f${encodeURIComponent(dataDir.slice(1))}%2fkeys%2fauth.jwk.json`,
      // (file addresses: a page address without an extension is answered with the app's index.html)
      '/%E0%A4%A.js',
      '/%00.js',
      '/index.html%00.png',
    ];
    for (const p of secretPaths) {
      const r = await call('GET', p);
      expect(r.status, p).toBe(404);
      expect(r.text).not.toMatch(/"d"\s*:|"dependencies"|root:/);
    }
    expect((await call('GET', '/')).status).toBe(200);
  });

  it('the local key files are readable by their owner only', async () => {
    const { statSync, readdirSync } = await import('node:fs');
    const dir = process.env.LOCAL_KEY_DIR!;
    expect(statSync(dir).mode & 0o077).toBe(0);
    const files = readdirSync(dir);
    expect(files).toEqual(expect.arrayContaining(['auth.jwk.json', 'receipt-signing.jwk.json']));
    for (const f of files) expect(statSync(join(dir, f)).mode & 0o077, f).toBe(0);
  });

  it('the scanner finds canaries where they are allowed (positive controls)', async () => {
    const noticeItems = await scanAll(tableName('Notices'));
    expect(canariesIn(JSON.stringify(noticeItems))).toEqual(
      expect.arrayContaining([CANARY_A.name, CANARY_A.idNumber, CANARY_A.phone, CANARY_B.name]),
    );
    expect(canariesIn(privilegedResponses.map((r) => r.text).join('\n'))).toEqual(
      expect.arrayContaining([CANARY_A.name, CANARY_B.idNumber]),
    );
    // hidden inside a JWS payload or a cursor, and as a bare digit run
    const jws = `eyJhbGciOiJFUzI1NiJ9.${Buffer.from(JSON.stringify({ payerName: CANARY_B.name })).toString('base64url')}.c2ln`;
    expect(canariesIn(jws)).toContain(CANARY_B.name);
    expect(canariesIn('born 1949, id tail 0519491231')).toEqual(['digits 0519491231']);
    expect(canariesIn(`notice 20261125${'3'.repeat(12)} at 2026-11-25T10:00:00.000Z`)).toEqual([]);
    // the log capture works: the request lines of this very test are in it
    expect(captured).toMatch(/"msg":"request"/);
  });

  it('nothing the stack logged, stored outside Notices, or answered a non-privileged caller holds a canary', async () => {
    await stack.streams.drained();
    const leaks: string[] = [];
    const logLeaks = canariesIn(captured);
    if (logLeaks.length) {
      const lines = captured.split('\n').filter((l) => canariesIn(l).length);
      leaks.push(`log output: ${logLeaks.join(', ')}\n  ${lines.slice(0, 5).join('\n  ')}`);
    }
    for (const t of TABLE_NAMES) {
      if (t === 'Notices') continue;
      for (const item of await scanAll(tableName(t))) {
        const text = JSON.stringify(item);
        // The open-data consumer's e-mail is kept with the key's hash (to contact them), nowhere else.
        const strings = String(item.pk).startsWith('APIKEY#')
          ? CANARY_STRINGS.filter((s) => s !== CANARY_EMAIL)
          : CANARY_STRINGS;
        const found = canariesIn(text, strings);
        if (found.length) leaks.push(`table ${t} item ${String(item.pk)}/${String(item.sk)}: ${found.join(', ')}`);
      }
    }
    for (const r of publicResponses) {
      const found = canariesIn(r.text);
      if (found.length) leaks.push(`response ${r.what}: ${found.join(', ')}\n  ${r.text.slice(0, 400)}`);
    }
    expect(publicResponses.length).toBeGreaterThan(50);
    expect(leaks).toEqual([]);
  });
});
