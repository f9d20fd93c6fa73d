import { randomUUID } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../schemas/routes';
import { theClock } from '../../functions/shared/wiring';

const today = () => theClock().today();
import { seedPayments } from '../integration/finance/seed';
import { api, token, uniq, type ApiResponse } from '../support/api';
import { publishAndWait } from '../support/publish';
import { matchingStatementRows, paymentRecord, statementCsv, uniqueDate } from '../unit/finance/dayFixtures';

/**
 * docs/API.md is the contract clients are written against. This file walks every route it names and
 * checks, over HTTP: the documented fields (by name, exactly as API.md lists them), status codes,
 * problem slugs, roles, list paging and Idempotency-Key semantics. Every response it sees is also
 * validated against the served OpenAPI document (the doc's output schemas forbid unknown fields), so
 * the document and the handlers cannot drift apart either.
 */
let doc: any;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv); // the document's formats (int32, int64, email) are checked too, not ignored with a warning
let admin: string, financeT: string, auditor: string, clerk: string;

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

beforeAll(async () => {
  doc = (await api('GET', '/v1/openapi.json')).body;
  ajv.addSchema({ $id: 'openapi', ...doc });
  [admin, financeT, auditor, clerk] = await Promise.all([
    token({ role: 'admin' }),
    token({ role: 'finance' }),
    token({ role: 'auditor' }),
    token({ role: 'clerk', window: 'W09' }),
  ]);
});

const pointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** The response agrees with the OpenAPI document: documented status, media type and schema. */
function conforms(method: string, path: string, res: ApiResponse): void {
  const op = doc.paths[path]?.[method.toLowerCase()];
  expect(op, `${method} ${path} documented`).toBeDefined();
  const status = String(res.status);
  if (res.status >= 400) {
    expect(op.responses[status], `${method} ${path} documents problem status ${status}`).toBeDefined();
    expect(res.headers.get('content-type'), `${method} ${path} ${status}`).toContain('application/problem+json');
    expect(Object.keys(res.body).every((k) => ['type', 'title', 'status', 'detail', 'errors'].includes(k))).toBe(true);
    expect(res.body).toMatchObject({
      type: expect.stringMatching(/\/problems\/[a-z-]+$/),
      title: expect.any(String),
      status: res.status,
      detail: expect.any(String),
    });
    return;
  }
  expect(op.responses[status], `${method} ${path} documents status ${status}`).toBeDefined();
  expect(badTimes(res.body), `${method} ${path}: times are ISO UTC with milliseconds, dates YYYY-MM-DD`).toEqual([]);
  const schema = op.responses[status].content?.['application/json']?.schema;
  if (!schema) return;
  const validate = ajv.getSchema(
    `openapi#/paths/${pointer(path)}/${method.toLowerCase()}/responses/${status}/content/application~1json/schema`,
  )!;
  const ok = validate(res.body);
  expect(ok ? [] : validate.errors, `${method} ${path} ${status} body matches the OpenAPI schema`).toEqual([]);
}

/** Every `...At` field is an ISO UTC timestamp with milliseconds; every business date field is YYYY-MM-DD. */
function badTimes(v: unknown, at = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => badTimes(x, `${at}[${i}]`));
  if (!v || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) => {
    if (typeof x === 'string' && /At$/.test(k) && !ISO_MS.test(x)) return [`${at}.${k}=${x}`];
    if (
      typeof x === 'string' &&
      /^(businessDate|date|dueDate|effectiveFrom|effectiveTo|asOf)$/.test(k) &&
      !DATE.test(x)
    )
      return [`${at}.${k}=${x}`];
    return badTimes(x, `${at}.${k}`);
  });
}

/** Calls a documented route, checks the response against the OpenAPI document and returns it. */
async function call(
  method: string,
  template: string,
  path: string,
  opts: Parameters<typeof api>[2] = {},
): Promise<ApiResponse> {
  const res = await api(method, path, opts);
  conforms(method, template, res);
  return res;
}

const slugOf = (res: ApiResponse) =>
  String(res.body?.type ?? '')
    .split('/')
    .pop();
const keys = (o: object) => Object.keys(o).sort();
/** Every field API.md names is present (extra fields are allowed: the contract is additive). */
const hasFields = (o: object, names: string[]) => expect(keys(o)).toEqual(expect.arrayContaining(names));

async function departmentWithFee(amount = 2500) {
  const dept = `K${uniq()}`;
  const fee = `KF-${uniq()}`;
  expect(
    (await call('POST', '/v1/departments', '/v1/departments', { token: admin, body: { id: dept, name: '测试局' } }))
      .status,
  ).toBe(201);
  const item = await call('POST', '/v1/fee-items', '/v1/fee-items', {
    token: admin,
    body: {
      code: fee,
      departmentId: dept,
      name: '工本费',
      category: 'administrative-fee',
      legalBasis: '《条例》第3条',
      approvedBy: '发改委',
      pricing: { kind: 'fixed', amount },
    },
  });
  expect(item.status).toBe(201);
  return { dept, fee, deptToken: await token({ role: 'department', dept }), item: item.body };
}

async function issue(d: { fee: string; deptToken: string }, quantity = 1) {
  const r = await call('POST', '/v1/notices', '/v1/notices', {
    token: d.deptToken,
    body: {
      payer: { name: '张三丰', idType: 'passport', idNumber: 'E12345678', phone: '13800000000' },
      lines: [{ feeCode: d.fee, quantity }],
    },
  });
  expect(r.status).toBe(201);
  return r.body;
}

const pay = (body: unknown, key: string | null = randomUUID(), t: string | null = clerk) =>
  call('POST', '/v1/payments', '/v1/payments', {
    token: t ?? undefined,
    body,
    headers: key === null ? {} : { 'idempotency-key': key },
  });

describe('conventions', () => {
  it('documents every route of the route table and the Idempotency-Key header on every money-moving POST', () => {
    for (const r of routes) expect(doc.paths[r.path]?.[r.method.toLowerCase()], `${r.method} ${r.path}`).toBeDefined();
    for (const [path, method] of [
      ['/v1/payments', 'post'],
      ['/v1/payments/{paymentId}/refunds', 'post'],
      ['/v1/reconciliations/{id}/accept', 'post'],
    ] as const) {
      const p = doc.paths[path][method].parameters.find((x: any) => x.in === 'header' && x.name === 'Idempotency-Key');
      expect(p, `${method} ${path}`).toMatchObject({
        in: 'header',
        required: true,
        schema: { type: 'string', minLength: 1, maxLength: 255 },
      });
    }
    expect(doc.paths['/v1/payments'].post.parameters.find((x: any) => x.name === 'Idempotency-Key').required).toBe(
      true,
    );
  });

  it('401 without or with a bad token, 403 for a role the route does not admit; problem+json', async () => {
    const noToken = await call('GET', '/v1/payments', '/v1/payments');
    expect(noToken.status).toBe(401);
    const badToken = await call('GET', '/v1/notices/{noticeNo}', '/v1/notices/00000000000000000000', {
      headers: { authorization: 'Bearer nope' },
    });
    expect(badToken.status).toBe(401);
    const wrongRole = await call('GET', '/v1/payments', '/v1/payments', { token: clerk });
    expect(wrongRole.status).toBe(403);
    expect(slugOf(wrongRole)).toBe('forbidden');
  });

  it('400 validation-failed names every bad field', async () => {
    const r = await call('POST', '/v1/departments', '/v1/departments', {
      token: admin,
      body: { id: 'lower', name: '', extra: 1 },
    });
    expect(r.status).toBe(400);
    expect(slugOf(r)).toBe('validation-failed');
    expect(r.body.errors.map((e: any) => e.path)).toEqual(expect.arrayContaining(['id', 'name']));
    for (const e of r.body.errors) expect(keys(e)).toEqual(['message', 'path']);
  });

  it('request bodies are strict on every JSON POST/PUT: an unknown field is 400 naming it, nothing done', async () => {
    for (const r of routes as readonly {
      method: string;
      path: string;
      access: { kind: string; roles?: readonly string[] };
      bodyType?: string;
    }[]) {
      if (r.method === 'GET' || r.bodyType) continue;
      const role = r.access.roles?.[0];
      const t = role ? await token({ role: role as 'admin', dept: 'D01', window: 'W01' }) : undefined;
      const path = r.path.replace(/\{\w+\}/g, '00000000000000000001');
      const res = await call(r.method, r.path, path, {
        token: t,
        body: { zzzUnknown: 1 },
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(res.status, `${r.method} ${r.path}`).toBe(400);
      expect(res.body.errors, `${r.method} ${r.path}`).toContainEqual({ path: 'zzzUnknown', message: 'unknown field' });
    }
  });

  it('a body that matches no alternative names the fields of the closest one, not just "Invalid input"', async () => {
    const r = await call('POST', '/v1/receipts/verify', '/v1/receipts/verify', { body: { receiptNo: 'R1' } });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([{ path: 'checkCode', message: expect.any(String) }]);
  });

  it('fee-items pages like every list: 50 by default, then the cursor', async () => {
    const d = await departmentWithFee();
    const item = (i: number) => ({
      code: `${d.fee}-${String(i).padStart(2, '0')}`,
      departmentId: d.dept,
      name: 'x',
      category: 'other',
      legalBasis: 'l',
      approvedBy: 'a',
      pricing: { kind: 'fixed', amount: 1 },
    });
    for (let i = 0; i < 50; i += 10)
      await Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          api('POST', '/v1/fee-items', { token: admin, body: item(i + j) }).then((r) => expect(r.status).toBe(201)),
        ),
      );
    const first = await call('GET', '/v1/fee-items', `/v1/fee-items?department=${d.dept}`);
    expect(first.body.items).toHaveLength(50);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const rest = await call(
      'GET',
      '/v1/fee-items',
      `/v1/fee-items?department=${d.dept}&cursor=${first.body.nextCursor}`,
    );
    expect(rest.body).toEqual({ items: [expect.objectContaining({ code: item(49).code })], nextCursor: null });
    expect(first.body.items[0].code).toBe(d.fee);
  });

  it('lists take ?limit= (default 50, max 500) and answer {items, nextCursor}', async () => {
    const lists: [string, string][] = [
      ['/v1/fee-items', admin],
      ['/v1/notices', financeT],
      ['/v1/payments', financeT],
      ['/v1/ledger/transactions', auditor],
    ];
    for (const [path, t] of lists) {
      const ok = await call('GET', path, `${path}?limit=500`, { token: t });
      expect(ok.status, path).toBe(200);
      expect(keys(ok.body), path).toEqual(expect.arrayContaining(['items', 'nextCursor']));
      expect((await call('GET', path, `${path}?limit=501`, { token: t })).status, path).toBe(400);
      expect((await call('GET', path, `${path}?limit=0`, { token: t })).status, path).toBe(400);
    }
  });
});

describe('catalog', () => {
  it('departments, fee items, versions and retirement as API.md lists them', async () => {
    const d = await departmentWithFee();
    const dup = await call('POST', '/v1/departments', '/v1/departments', {
      token: admin,
      body: { id: d.dept, name: 'x' },
    });
    expect([dup.status, slugOf(dup)]).toEqual([409, 'department-exists']);
    const deps = await call('GET', '/v1/departments', '/v1/departments');
    expect(deps.body.items).toContainEqual({ id: d.dept, name: '测试局' });

    hasFields(d.item, [
      'code',
      'name',
      'departmentId',
      'category',
      'legalBasis',
      'approvedBy',
      'pricing',
      'effectiveFrom',
      'version',
    ]);
    expect(d.item).toMatchObject({ version: 1, pricing: { kind: 'fixed', amount: 2500 } });
    expect(d.item.effectiveFrom).toMatch(DATE);

    const body = {
      name: '工本费',
      category: 'administrative-fee',
      legalBasis: '《条例》',
      approvedBy: '发改委',
      pricing: { kind: 'per-unit', unitAmount: 300, unit: '页' },
    };
    const retro = await call('PUT', '/v1/fee-items/{code}', `/v1/fee-items/${d.fee}`, {
      token: admin,
      body: { ...body, effectiveFrom: '2000-01-01' },
    });
    expect([retro.status, slugOf(retro)]).toEqual([422, 'retroactive-change']);
    const v2 = await call('PUT', '/v1/fee-items/{code}', `/v1/fee-items/${d.fee}`, { token: admin, body });
    expect(v2.status).toBe(200);
    expect(v2.body).toMatchObject({ version: 2, pricing: { kind: 'per-unit', unitAmount: 300, unit: '页' } });

    const history = await call('GET', '/v1/fee-items/{code}', `/v1/fee-items/${d.fee}`);
    expect(keys(history.body)).toEqual(expect.arrayContaining(['current', 'versions']));
    expect(history.body.versions.map((v: any) => v.version)).toEqual([1, 2]);

    const inForce = await call('GET', '/v1/fee-items', `/v1/fee-items?department=${d.dept}&asOf=${today()}`);
    expect(inForce.body.items.map((i: any) => i.code)).toEqual([d.fee]);

    const retired = await call('POST', '/v1/fee-items/{code}/retire', `/v1/fee-items/${d.fee}/retire`, {
      token: admin,
      body: { effectiveTo: '2999-12-31' },
    });
    expect(retired.status).toBe(200);
    expect(retired.body.effectiveTo).toBe('2999-12-31');
    expect((await call('POST', '/v1/fee-items', '/v1/fee-items', { token: clerk, body: {} })).status).toBe(403);
  });
});

describe('notices', () => {
  it('issue, payer view, full view, list, cancel; slugs of the contract', async () => {
    const d = await departmentWithFee(1200);
    const other = await departmentWithFee();
    const n = await issue(d, 3);
    expect(keys(n)).toEqual(
      expect.arrayContaining([
        'noticeNo',
        'checkCode',
        'departmentId',
        'payer',
        'lines',
        'total',
        'currency',
        'status',
        'issuedAt',
        'dueDate',
      ]),
    );
    expect(n).toMatchObject({ departmentId: d.dept, total: 3600, currency: 'CNY', status: 'issued' });
    expect(n.lines).toEqual([
      { feeCode: d.fee, feeVersion: 1, name: '工本费', quantity: 3, unitAmount: 1200, amount: 3600 },
    ]);
    expect(n.issuedAt).toMatch(ISO_MS);
    expect(n.dueDate).toMatch(DATE);

    const foreign = await call('POST', '/v1/notices', '/v1/notices', {
      token: d.deptToken,
      body: { payer: { name: 'A', idType: 'other', idNumber: 'X1' }, lines: [{ feeCode: other.fee }] },
    });
    expect([foreign.status, slugOf(foreign)]).toEqual([403, 'fee-item-other-department']);
    const unknown = await call('POST', '/v1/notices', '/v1/notices', {
      token: d.deptToken,
      body: { payer: { name: 'A', idType: 'other', idNumber: 'X1' }, lines: [{ feeCode: 'NO-SUCH-FEE' }] },
    });
    expect([unknown.status, slugOf(unknown)]).toEqual([422, 'fee-item-unknown']);

    const payerView = await call('GET', '/v1/notices/{noticeNo}', `/v1/notices/${n.noticeNo}?checkCode=${n.checkCode}`);
    expect(payerView.status).toBe(200);
    expect(payerView.body.payer.name).not.toBe('张三丰');
    expect(payerView.body.payer.idNumber).not.toBe('E12345678');
    expect((await call('GET', '/v1/notices/{noticeNo}', `/v1/notices/${n.noticeNo}?checkCode=WRONG`)).status).toBe(404);
    expect((await call('GET', '/v1/notices/{noticeNo}', `/v1/notices/${n.noticeNo}`)).status).toBe(404);

    for (const t of [d.deptToken, clerk, financeT]) {
      const full = await call('GET', '/v1/notices/{noticeNo}', `/v1/notices/${n.noticeNo}`, { token: t });
      expect(full.body).toMatchObject({ noticeNo: n.noticeNo, payer: { name: '张三丰', idNumber: 'E12345678' } });
    }
    expect(
      (await call('GET', '/v1/notices/{noticeNo}', `/v1/notices/${n.noticeNo}`, { token: other.deptToken })).status,
    ).toBe(403);

    const mine = await call('GET', '/v1/notices', `/v1/notices?status=issued&from=${today()}&to=${today()}`, {
      token: d.deptToken,
    });
    expect(mine.body.items.map((i: any) => i.noticeNo)).toContain(n.noticeNo);

    const cancelled = await call('POST', '/v1/notices/{noticeNo}/cancel', `/v1/notices/${n.noticeNo}/cancel`, {
      token: d.deptToken,
      body: { reason: '重复开具' },
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const payCancelled = await pay({ noticeNos: [n.noticeNo], channel: 'cash', amount: 3600 });
    expect([payCancelled.status, slugOf(payCancelled)]).toEqual([409, 'notice-cancelled']);

    const paid = await issue(d);
    expect((await pay({ noticeNos: [paid.noticeNo], channel: 'cash', amount: 1200 })).status).toBe(201);
    const cancelPaid = await call('POST', '/v1/notices/{noticeNo}/cancel', `/v1/notices/${paid.noticeNo}/cancel`, {
      token: d.deptToken,
      body: { reason: 'x' },
    });
    expect([cancelPaid.status, slugOf(cancelPaid)]).toEqual([409, 'notice-already-paid']);
    // A paid notice, in every view and in the list, still conforms to the documented shape.
    const paidView = await call('GET', '/v1/notices/{noticeNo}', `/v1/notices/${paid.noticeNo}`, {
      token: d.deptToken,
    });
    expect(paidView.body).toMatchObject({
      status: 'paid',
      paymentId: expect.any(String),
      paidAt: expect.stringMatching(ISO_MS),
    });
    await call('GET', '/v1/notices/{noticeNo}', `/v1/notices/${paid.noticeNo}?checkCode=${paid.checkCode}`);
    await call('GET', '/v1/notices', '/v1/notices?status=paid', { token: d.deptToken });
  });
});

describe('payments, refunds and receipts', () => {
  it('payment and receipt fields; the JWS payload is the receipt without jws and status', async () => {
    const d = await departmentWithFee(1500);
    const n = await issue(d, 2);
    const r = await pay({ noticeNos: [n.noticeNo], channel: 'card', amount: 3000, bankRef: `BR-${uniq()}` });
    expect(r.status).toBe(201);
    expect(keys(r.body)).toEqual(
      expect.arrayContaining([
        'paymentId',
        'noticeNos',
        'amount',
        'channel',
        'bankRef',
        'windowId',
        'paidAt',
        'businessDate',
        'receipt',
      ]),
    );
    expect(r.body).toMatchObject({
      noticeNos: [n.noticeNo],
      amount: 3000,
      channel: 'card',
      windowId: 'W09',
      businessDate: today(),
    });
    expect(r.body.paidAt).toMatch(ISO_MS);

    const receipt = r.body.receipt;
    hasFields(receipt, [
      'receiptNo',
      'checkCode',
      'paymentId',
      'payerName',
      'lines',
      'total',
      'issuer',
      'issuedAt',
      'status',
      'jws',
    ]);
    expect(receipt).toMatchObject({ paymentId: r.body.paymentId, total: 3000, status: 'valid' });
    expect(receipt.payerName).not.toBe('张三丰');
    expect(receipt.issuedAt).toMatch(ISO_MS);
    const { jws, status: _status, ...signed } = receipt;
    expect(decodeJwt(jws)).toEqual(signed);
    expect(['ES256', 'EdDSA']).toContain(decodeProtectedHeader(jws).alg);
    const jwks = await call('GET', '/v1/.well-known/jwks.json', '/v1/.well-known/jwks.json');
    expect(jwks.body.keys.map((k: any) => k.kid)).toContain(decodeProtectedHeader(jws).kid);

    const got = await call(
      'GET',
      '/v1/receipts/{receiptNo}',
      `/v1/receipts/${receipt.receiptNo}?checkCode=${receipt.checkCode}`,
    );
    expect(got.body).toEqual(receipt);
    expect(
      (await call('GET', '/v1/receipts/{receiptNo}', `/v1/receipts/${receipt.receiptNo}?checkCode=NOPE`)).status,
    ).toBe(404);
    for (const body of [{ receiptNo: receipt.receiptNo, checkCode: receipt.checkCode }, { jws }]) {
      const v = await call('POST', '/v1/receipts/verify', '/v1/receipts/verify', { body });
      expect(v.body).toMatchObject({ valid: true, status: 'valid', receipt: { receiptNo: receipt.receiptNo } });
    }

    for (const t of [clerk, financeT, auditor]) {
      const one = await call('GET', '/v1/payments/{paymentId}', `/v1/payments/${r.body.paymentId}`, { token: t });
      hasFields(one.body, [
        'paymentId',
        'noticeNos',
        'amount',
        'channel',
        'bankRef',
        'windowId',
        'paidAt',
        'businessDate',
        'receipt',
      ]);
    }
    const list = await call('GET', '/v1/payments', `/v1/payments?businessDate=${today()}&channel=card&limit=500`, {
      token: auditor,
    });
    expect(list.body.items.map((p: any) => p.paymentId)).toContain(r.body.paymentId);
  });

  it('payment slugs: amount-mismatch, bank-ref-duplicate, notice-already-paid, online-payment-needs-order', async () => {
    const d = await departmentWithFee(700);
    const [a, b] = [await issue(d), await issue(d)];
    const mismatch = await pay({ noticeNos: [a.noticeNo], channel: 'cash', amount: 701 });
    expect([mismatch.status, slugOf(mismatch)]).toEqual([422, 'amount-mismatch']);
    const online = await pay(
      {
        noticeNos: [a.noticeNo],
        channel: 'online',
        amount: 700,
        bankRef: `ON-${uniq()}`,
        checkCodes: { [a.noticeNo]: a.checkCode },
      },
      randomUUID(),
      null,
    );
    expect([online.status, slugOf(online)]).toEqual([422, 'online-payment-needs-order']);
    const bankRef = `CD-${uniq()}`;
    expect((await pay({ noticeNos: [a.noticeNo], channel: 'card', amount: 700, bankRef })).status).toBe(201);
    const dupRef = await pay({ noticeNos: [b.noticeNo], channel: 'card', amount: 700, bankRef });
    expect([dupRef.status, slugOf(dupRef)]).toEqual([409, 'bank-ref-duplicate']);
    const again = await pay({ noticeNos: [a.noticeNo], channel: 'cash', amount: 700 });
    expect([again.status, slugOf(again)]).toEqual([409, 'notice-already-paid']);
  });

  it('Idempotency-Key: required, replays with Idempotent-Replayed, 422 on another body, 409 while in flight', async () => {
    const d = await departmentWithFee(900);
    const n = await issue(d);
    const body = { noticeNos: [n.noticeNo], channel: 'cash', amount: 900 };
    const missing = await pay(body, null);
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].path).toBe('Idempotency-Key');
    expect((await pay(body, 'k'.repeat(256))).status).toBe(400);

    const key = randomUUID();
    const [first, inFlight] = await Promise.all([
      pay(body, key),
      new Promise((r) => setTimeout(r, 5)).then(() => pay(body, key)),
    ]);
    expect(first.status).toBe(201);
    // The second either found the first in flight (409) or completed (replay); both are the contract.
    if (inFlight.status === 409) expect(slugOf(inFlight)).toBe('idempotency-in-progress');
    else expect([inFlight.status, inFlight.headers.get('idempotent-replayed')]).toEqual([201, 'true']);

    const replay = await pay(body, key);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const reused = await pay({ ...body, amount: 901 }, key);
    expect([reused.status, slugOf(reused)]).toEqual([422, 'idempotency-key-reused']);

    const refundPath = `/v1/payments/${first.body.paymentId}/refunds`;
    const refund = (b: unknown, k: string | null) =>
      call('POST', '/v1/payments/{paymentId}/refunds', refundPath, {
        token: financeT,
        body: b,
        headers: k === null ? {} : { 'idempotency-key': k },
      });
    expect((await refund({ amount: 100, reason: '多收' }, null)).status).toBe(400);
    const rk = randomUUID();
    const red = await refund({ amount: 100, reason: '多收' }, rk);
    expect(red.status).toBe(201);
    expect(red.body.receipt).toMatchObject({ originalReceiptNo: first.body.receipt.receiptNo, total: 100 });
    const redReplay = await refund({ amount: 100, reason: '多收' }, rk);
    expect([redReplay.status, redReplay.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
    expect(redReplay.body).toEqual(red.body);
    expect(slugOf(await refund({ amount: 200, reason: '多收' }, rk))).toBe('idempotency-key-reused');
    const tooMuch = await refund({ amount: 801, reason: '超额' }, randomUUID());
    expect([tooMuch.status, slugOf(tooMuch)]).toEqual([422, 'refund-exceeds-payment']);
    expect(
      (
        await call(
          'GET',
          '/v1/receipts/{receiptNo}',
          `/v1/receipts/${first.body.receipt.receiptNo}?checkCode=${first.body.receipt.checkCode}`,
        )
      ).body.status,
    ).toBe('partially-reversed');
    expect((await refund({ amount: 1, reason: 'x' }, randomUUID())).status).toBe(201);
    expect(
      (
        await call('POST', '/v1/payments/{paymentId}/refunds', refundPath, {
          token: clerk,
          body: { amount: 1, reason: 'x' },
          headers: { 'idempotency-key': 'x' },
        })
      ).status,
    ).toBe(403);
  });
});

describe('ledger and finance bureau', () => {
  it('trial balance and transactions', async () => {
    const tb = await call('GET', '/v1/ledger/trial-balance', '/v1/ledger/trial-balance', { token: financeT });
    hasFields(tb.body, ['accounts', 'totalDebit', 'totalCredit']);
    expect(tb.body.totalDebit).toBe(tb.body.totalCredit);
    for (const a of tb.body.accounts) hasFields(a, ['account', 'line', 'debit', 'credit', 'balance']);
    expect(new Set(tb.body.accounts.map((a: any) => a.line))).toContain('revenue');
    const tx = await call('GET', '/v1/ledger/transactions', `/v1/ledger/transactions?businessDate=${today()}&limit=5`, {
      token: auditor,
    });
    expect(tx.body.items.length).toBeGreaterThan(0);
    for (const t of tx.body.items) {
      hasFields(t, ['id', 'kind', 'ref', 'postings', 'hash', 'createdAt']);
      expect(t.createdAt).toMatch(ISO_MS);
      for (const p of t.postings) expect(keys(p)).toEqual(['account', 'credit', 'debit']);
    }
    expect((await call('GET', '/v1/ledger/trial-balance', '/v1/ledger/trial-balance', { token: clerk })).status).toBe(
      403,
    );
  });

  it('statement, reconciliation, resolution, accept (settlement) with proof and verify', async () => {
    const date = uniqueDate();
    const payments = [
      paymentRecord(date, { paymentId: `${date}-${uniq()}`, channel: 'card', amount: 1234 }),
      paymentRecord(date, { paymentId: `${date}-${uniq()}`, channel: 'transfer', amount: 99 }),
    ];
    await seedPayments(payments);
    const rows = matchingStatementRows(date, payments);
    const st = await call('POST', '/v1/bank-statements', `/v1/bank-statements?date=${date}`, {
      token: financeT,
      rawBody: statementCsv(rows.slice(1)),
      headers: { 'content-type': 'text/csv' },
    });
    expect(st.status).toBe(201);
    expect(keys(st.body)).toEqual(expect.arrayContaining(['statementId', 'date', 'lines', 'total']));
    const badRow = await call('POST', '/v1/bank-statements', `/v1/bank-statements?date=${date}`, {
      token: financeT,
      rawBody: 'bankRef,valueDate,amount,channel,noticeNo,windowId\nA,2026-03-01,1.5,card,,\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(badRow.status).toBe(422);

    const rec = await call('POST', '/v1/reconciliations', '/v1/reconciliations', {
      token: financeT,
      body: { businessDate: date, statementIds: [st.body.statementId] },
    });
    expect(rec.status).toBe(201);
    expect(rec.body).toMatchObject({ businessDate: date, status: 'open' });
    hasFields(rec.body, ['id', 'businessDate', 'status', 'summary']);
    hasFields(rec.body.summary, [
      'matchedCount',
      'matchedAmount',
      'paymentsMissingInBank',
      'bankLinesMissingInLedger',
      'amountMismatches',
      'duplicates',
    ]);
    const [diff] = rec.body.summary.paymentsMissingInBank;
    expect(diff).toMatchObject({ itemRef: expect.any(String), paymentId: payments[0]!.paymentId, expected: 1234 });
    const same = await call('GET', '/v1/reconciliations/{id}', `/v1/reconciliations/${rec.body.id}`, {
      token: auditor,
    });
    expect(same.body).toEqual(rec.body);

    const accept = (k?: string) =>
      call('POST', '/v1/reconciliations/{id}/accept', `/v1/reconciliations/${rec.body.id}/accept`, {
        token: financeT,
        headers: k ? { 'idempotency-key': k } : {},
      });
    const unresolved = await accept(randomUUID());
    expect([unresolved.status, slugOf(unresolved)]).toEqual([409, 'unresolved-differences']);
    const res = await call(
      'POST',
      '/v1/reconciliations/{id}/resolutions',
      `/v1/reconciliations/${rec.body.id}/resolutions`,
      {
        token: financeT,
        body: { itemRef: diff.itemRef, action: 'write-off', note: '银行确认' },
      },
    );
    expect(res.status).toBe(201);
    const key = randomUUID();
    const closed = await accept(key);
    expect(closed.status).toBe(200);
    expect(closed.body).toEqual({
      status: 'closed',
      proof: { date, root: expect.any(String), count: expect.any(Number), signature: expect.any(String) },
    });
    const replay = await accept(key);
    expect([replay.status, replay.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
    expect(replay.body).toEqual(closed.body);

    const proof = await call('GET', '/v1/ledger/days/{date}/proof', `/v1/ledger/days/${date}/proof`, {
      token: auditor,
    });
    expect(proof.body).toEqual(closed.body.proof);
    const verify = await call('GET', '/v1/ledger/days/{date}/verify', `/v1/ledger/days/${date}/verify`, {
      token: auditor,
    });
    expect(verify.body).toMatchObject({ ok: true, root: proof.body.root });
  });

  it('accept of a day that has not ended is 409 day-not-over', async () => {
    const date = today();
    const st = await call('POST', '/v1/bank-statements', `/v1/bank-statements?date=${date}`, {
      token: financeT,
      rawBody: statementCsv([]),
      headers: { 'content-type': 'text/csv' },
    });
    const rec = await call('POST', '/v1/reconciliations', '/v1/reconciliations', {
      token: financeT,
      body: { businessDate: date, statementIds: [st.body.statementId] },
    });
    expect(rec.status).toBe(201);
    const r = await call('POST', '/v1/reconciliations/{id}/accept', `/v1/reconciliations/${rec.body.id}/accept`, {
      token: financeT,
      headers: { 'idempotency-key': randomUUID() },
    });
    expect([r.status, slugOf(r)]).toEqual([409, 'day-not-over']);
  });

  it('budget allocation carries allocationId; expenditures stop at the allocation; separation report rows', async () => {
    const d = await departmentWithFee();
    const alloc = await call('POST', '/v1/budget-allocations', '/v1/budget-allocations', {
      token: financeT,
      body: { departmentId: d.dept, fiscalYear: 2026, amount: 500, purpose: '办公' },
    });
    expect(alloc.status).toBe(201);
    expect(alloc.body.allocationId).toEqual(expect.any(String));
    const spend = (amount: number) =>
      call('POST', '/v1/expenditures', '/v1/expenditures', {
        token: d.deptToken,
        body: { allocationId: alloc.body.allocationId, amount, payee: '某公司', purpose: '纸' },
      });
    expect((await spend(400)).status).toBe(201);
    const over = await spend(101);
    expect([over.status, slugOf(over)]).toEqual([422, 'allocation-exceeded']);
    const report = await call(
      'GET',
      '/v1/reports/separation',
      `/v1/reports/separation?from=${today()}&to=${today()}&department=${d.dept}`,
      { token: auditor },
    );
    expect(report.status).toBe(200);
    hasFields(report.body, ['rows', 'checks']);
    for (const row of report.body.rows)
      hasFields(row, ['departmentId', 'collected', 'refunded', 'settledToFiscal', 'inClearing', 'allocated', 'spent']);
    expect(report.body.rows).toContainEqual(
      expect.objectContaining({ departmentId: d.dept, allocated: 500, spent: 400 }),
    );
  });
});

describe('open data', () => {
  it('keys, datasets, releases, rows (limit up to 1000), metadata; 403 without a key', async () => {
    // 202 with a job; the job (polled through the same OpenAPI check) says what was published.
    const send = (method: string, path: string, opts: { token: string }) =>
      call(method, path.startsWith('/v1/open/publications/') ? '/v1/open/publications/{jobId}' : path, path, opts);
    const published = await publishAndWait(financeT, send);
    // Nothing changed since (unless another test wrote data meanwhile): published false, the same publication.
    const again = await publishAndWait(admin, send);
    if (!again.published) expect(again.publicationId).toBe(published.publicationId);
    const k = await call('POST', '/v1/open/keys', '/v1/open/keys', {
      body: { name: 'Contract', email: 'c@example.org', purpose: 'tests' },
    });
    expect(k.status).toBe(201);
    const h = { 'x-api-key': k.body.apiKey };
    expect((await call('GET', '/v1/open/datasets', '/v1/open/datasets')).status).toBe(403);
    expect(
      (await call('GET', '/v1/open/datasets', '/v1/open/datasets', { headers: { 'x-api-key': 'nope' } })).status,
    ).toBe(403);
    const ds = await call('GET', '/v1/open/datasets', '/v1/open/datasets', { headers: h });
    expect(ds.body.items.map((x: any) => x.id)).toEqual(
      expect.arrayContaining(['fee-catalog', 'monthly-collections', 'daily-channel-volume', 'notice-to-payment-time']),
    );
    expect((await call('GET', '/v1/open/data.json', '/v1/open/data.json')).status).toBe(200);
    for (const id of ['fee-catalog', 'monthly-collections', 'daily-channel-volume', 'notice-to-payment-time']) {
      expect((await call('GET', '/v1/open/datasets/{id}', `/v1/open/datasets/${id}`, { headers: h })).status).toBe(200);
      expect(
        (await call('GET', '/v1/open/datasets/{id}/datapackage.json', `/v1/open/datasets/${id}/datapackage.json`))
          .status,
      ).toBe(200);
      const rel = await call('GET', '/v1/open/datasets/{id}/releases', `/v1/open/datasets/${id}/releases`, {
        headers: h,
      });
      for (const r of rel.body.items) hasFields(r, ['sha256', 'rowCount', 'disclosure']);
      expect(
        (
          await call('GET', '/v1/open/datasets/{id}/releases', `/v1/open/datasets/${id}/releases?limit=501`, {
            headers: h,
          })
        ).status,
      ).toBe(400);
    }
    const rows = await call('GET', '/v1/open/datasets/{id}/rows', '/v1/open/datasets/fee-catalog/rows?limit=1000', {
      headers: h,
    });
    expect(rows.status).toBe(200);
    expect(keys(rows.body)).toEqual(expect.arrayContaining(['items', 'nextCursor', 'release']));
    expect(rows.headers.get('etag')).toBeTruthy();
    const notModified = await call(
      'GET',
      '/v1/open/datasets/{id}/rows',
      '/v1/open/datasets/fee-catalog/rows?limit=1000',
      { headers: { ...h, 'if-none-match': rows.headers.get('etag')! } },
    );
    expect(notModified.status).toBe(304);
    expect(
      (
        await call('GET', '/v1/open/datasets/{id}/rows', '/v1/open/datasets/fee-catalog/rows?limit=1001', {
          headers: h,
        })
      ).status,
    ).toBe(400);
    const csv = await api('GET', '/v1/open/datasets/fee-catalog/rows', { headers: { ...h, accept: 'text/csv' } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect((await call('POST', '/v1/open/publish', '/v1/open/publish', { token: clerk })).status).toBe(403);
  });
});
