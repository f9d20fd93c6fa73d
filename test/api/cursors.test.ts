import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, token, uniq } from '../support/api';

/**
 * List cursors are opaque and sealed (functions/shared/domain/cursor.ts): a forged, altered or
 * transplanted cursor is 400 `validation-failed` naming `cursor` on every paged route, never a 500
 * and never a page of someone else's list.
 */
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** Cursors built by hand: what a client could send if cursors were plain base64url of JSON. */
const CRAFTED = [
  'eyJrIjpudWxsfQ', // {"k":null}
  b64({ createdAt: {}, id: 'x' }),
  b64({ createdAt: '2026-01-01T00:00:00.000Z', id: { $gt: '' } }),
  b64({ k: {} }),
  b64({ k: { pk: 'N#1', sk: 'NOTICE', gsi1pk: 'NDEPT#OTHER', gsi1sk: '2026' } }),
  b64({ m: 1, k: [] }),
  b64({ at: ['x'] }),
  b64({ r: 'r', k: '' }),
  b64({ code: { toString: 1 } }),
  b64({ __proto__: { polluted: true } }),
  b64('[]'),
  b64('null'),
  b64('"cursor"'),
  'not base64!',
  'A'.repeat(2048),
];

let admin: string;
let finance: string;
let auditor: string;
let dept: string;
let deptToken: string;
let otherDeptToken: string;
let businessDate: string;
beforeAll(async () => {
  [admin, finance, auditor] = await Promise.all([
    token({ role: 'admin' }),
    token({ role: 'finance' }),
    token({ role: 'auditor' }),
  ]);
  dept = `C${uniq()}`;
  deptToken = await token({ role: 'department', dept });
  otherDeptToken = await token({ role: 'department', dept: `O${uniq()}` });
  await api('POST', '/v1/departments', { token: admin, body: { id: dept, name: '游标测试局' } });
  const codes = ['A', 'B', 'C'].map((x) => `${x}${dept}`.slice(0, 20));
  for (const code of codes)
    await api('POST', '/v1/fee-items', {
      token: admin,
      body: {
        code,
        departmentId: dept,
        name: '工本费',
        category: 'administrative-fee',
        legalBasis: '《条例》',
        approvedBy: '发改委',
        pricing: { kind: 'fixed', amount: 100 },
      },
    });
  const clerk = await token({ role: 'clerk', window: 'W01' });
  for (const code of codes) {
    const n = await api('POST', '/v1/notices', {
      token: deptToken,
      body: { payer: { name: '王五', idType: 'other', idNumber: 'C-1' }, lines: [{ feeCode: code }] },
    });
    expect(n.status).toBe(201);
    const p = await api('POST', '/v1/payments', {
      token: clerk,
      body: { noticeNos: [n.body.noticeNo], channel: 'cash', amount: 100 },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(p.status).toBe(201);
    businessDate = p.body.businessDate;
  }
  // Two payment orders, so finance's list of them has a second page.
  for (const code of codes.slice(0, 2)) {
    const n = await api('POST', '/v1/notices', {
      token: deptToken,
      body: { payer: { name: '王五', idType: 'other', idNumber: 'C-1' }, lines: [{ feeCode: code }] },
    });
    const o = await api('POST', '/v1/payment-orders', {
      body: { noticeNos: [n.body.noticeNo], checkCodes: { [n.body.noticeNo]: n.body.checkCode } },
    });
    expect(o.status).toBe(201);
  }
});

/** A paged list: where it is, who reads it, and a first page with a genuine cursor. */
const lists = () => ({
  'GET /v1/fee-items': { path: `/v1/fee-items?department=${dept}`, token: undefined as string | undefined },
  'GET /v1/notices': { path: '/v1/notices?', token: deptToken },
  'GET /v1/payments': { path: `/v1/payments?businessDate=${businessDate}`, token: finance },
  'GET /v1/ledger/transactions': { path: `/v1/ledger/transactions?businessDate=${businessDate}`, token: finance },
  'GET /v1/payment-orders': { path: `/v1/payment-orders?from=${businessDate}&to=${businessDate}`, token: finance },
});

async function expectCursorRefused(path: string, opts: Parameters<typeof api>[2], cursor: string) {
  const sep = path.includes('?') ? (path.endsWith('?') ? '' : '&') : '?';
  const r = await api('GET', `${path}${sep}cursor=${encodeURIComponent(cursor)}`, opts);
  const what = `${path} cursor=${cursor.slice(0, 60)} → ${r.status} ${r.text.slice(0, 200)}`;
  expect(r.status, what).toBe(400);
  expect(r.body, what).toMatchObject({
    type: expect.stringMatching(/validation-failed$/),
    errors: [expect.objectContaining({ path: 'cursor' })],
  });
  if (cursor.length >= 12) expect(r.text, what).not.toContain(cursor.slice(0, 40));
}

async function firstPage(path: string, t: string | undefined) {
  const sep = path.includes('?') ? (path.endsWith('?') ? '' : '&') : '?';
  const r = await api('GET', `${path}${sep}limit=1`, { token: t });
  expect(r.status, r.text).toBe(200);
  expect(r.body.nextCursor, path).toEqual(expect.any(String));
  return r.body.nextCursor as string;
}

describe('list cursors', () => {
  it('every paged route of the OpenAPI document is covered here', async () => {
    const doc = (await api('GET', '/v1/openapi.json')).body;
    const paged = Object.entries<Record<string, { parameters?: { name: string }[] }>>(doc.paths).flatMap(
      ([path, ops]) =>
        Object.entries(ops)
          .filter(([, op]) => (op.parameters ?? []).some((p) => p.name === 'cursor'))
          .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(paged.sort()).toEqual(
      [...Object.keys(lists()), 'GET /v1/open/datasets/{id}/releases', 'GET /v1/open/datasets/{id}/rows'].sort(),
    );
  });

  it('GET /v1/notices?cursor=eyJrIjpudWxsfQ and a ledger cursor whose createdAt is an object are 400, not 500', async () => {
    await expectCursorRefused('/v1/notices', { token: finance }, 'eyJrIjpudWxsfQ');
    await expectCursorRefused('/v1/notices', { token: deptToken }, 'eyJrIjpudWxsfQ');
    await expectCursorRefused(
      `/v1/ledger/transactions?businessDate=${businessDate}`,
      { token: auditor },
      b64({ createdAt: {}, id: 'x' }),
    );
  });

  for (const route of [
    'GET /v1/fee-items',
    'GET /v1/notices',
    'GET /v1/payments',
    'GET /v1/ledger/transactions',
  ] as const)
    it(`${route}: a genuine cursor pages on; a crafted, random or altered one is 400 naming cursor`, async () => {
      const list = lists()[route];
      const cursor = await firstPage(list.path, list.token);
      const sep = list.path.endsWith('?') ? '' : '&';
      const next = await api('GET', `${list.path}${sep}limit=1&cursor=${cursor}`, { token: list.token });
      expect(next.status, next.text).toBe(200);
      expect(next.body.items).toHaveLength(1);
      const random = fc.sample(fc.string({ minLength: 1, maxLength: 200 }), { numRuns: 15, seed: 9 });
      const altered = [1, 7, 20, cursor.length - 2].map(
        (i) => cursor.slice(0, i) + (cursor[i] === 'A' ? 'B' : 'A') + cursor.slice(i + 1),
      );
      for (const c of [...CRAFTED, ...random, ...altered, cursor.slice(0, -1), `${cursor}A`])
        await expectCursorRefused(list.path, { token: list.token }, c);
    });

  it('a genuine cursor opens only the list and the caller it was issued to', async () => {
    const notices = await firstPage('/v1/notices?', deptToken);
    await expectCursorRefused('/v1/notices', { token: otherDeptToken }, notices);
    await expectCursorRefused('/v1/notices', { token: finance }, notices);
    await expectCursorRefused(`/v1/payments?businessDate=${businessDate}`, { token: finance }, notices);
    const payments = await firstPage(`/v1/payments?businessDate=${businessDate}`, finance);
    await expectCursorRefused(`/v1/payments?businessDate=${businessDate}`, { token: auditor }, payments);
    await expectCursorRefused(`/v1/ledger/transactions?businessDate=${businessDate}`, { token: finance }, payments);
  });

  for (const route of ['releases', 'rows'])
    it(`GET /v1/open/datasets/{id}/${route}: crafted and random cursors are 400 naming cursor`, async () => {
      const k = await api('POST', '/v1/open/keys', {
        body: { name: 'Cursor tests', email: `c-${uniq()}@example.org`, purpose: 'tests' },
      });
      const headers = { 'x-api-key': k.body.apiKey };
      const random = fc.sample(fc.string({ minLength: 1, maxLength: 200 }), { numRuns: 15, seed: 11 });
      for (const c of [...CRAFTED, ...random])
        await expectCursorRefused(`/v1/open/datasets/fee-catalog/${route}`, { headers }, c);
    });
});
