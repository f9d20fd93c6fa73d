import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { residentIdCheckChar } from '../../functions/shared/domain/ids';
import { api, expectDocumented, headersOf, token, uniq } from '../support/api';

const residentId = (body17 = '11010119900307123') => body17 + residentIdCheckChar(body17);
const payer = () => ({ name: '张三丰', idType: 'resident-id', idNumber: residentId(), phone: '13812345678' });

let admin: string;
let dept: string;
let other: string;
let deptToken: string;
let otherToken: string;
const fee = { fixed: '', perUnit: '', foreign: '', future: '' };

beforeAll(async () => {
  admin = await token({ role: 'admin' });
  dept = `N${uniq()}`;
  other = `O${uniq()}`;
  for (const id of [dept, other])
    expect((await api('POST', '/v1/departments', { token: admin, body: { id, name: '不动产登记中心' } })).status).toBe(
      201,
    );
  const item = (code: string, departmentId: string, pricing: unknown, extra: Record<string, unknown> = {}) =>
    api('POST', '/v1/fee-items', {
      token: admin,
      body: {
        code,
        departmentId,
        name: `费 ${code}`,
        category: 'administrative-fee',
        legalBasis: '《条例》',
        approvedBy: '发改委',
        pricing,
        ...extra,
      },
    });
  fee.fixed = `FX-${uniq()}`;
  fee.perUnit = `PU-${uniq()}`;
  fee.foreign = `FO-${uniq()}`;
  fee.future = `FU-${uniq()}`;
  expect((await item(fee.fixed, dept, { kind: 'fixed', amount: 8000 })).status).toBe(201);
  expect((await item(fee.perUnit, dept, { kind: 'per-unit', unitAmount: 550, unit: '件' })).status).toBe(201);
  expect((await item(fee.foreign, other, { kind: 'fixed', amount: 100 })).status).toBe(201);
  expect((await item(fee.future, dept, { kind: 'fixed', amount: 100 }, { effectiveFrom: '2099-01-01' })).status).toBe(
    201,
  );
  deptToken = await token({ role: 'department', dept });
  otherToken = await token({ role: 'department', dept: other });
});

const issue = (body: unknown, t = deptToken) => api('POST', '/v1/notices', { token: t, body });

/**
 * A GET from another loopback address: its own rate-limit bucket, untouched by the rest of the run.
 * Straight to the gateway (the proxy would be the client Prism's address), checked against the document here.
 */
async function getFrom(
  localAddress: string,
  path: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
  const url = new URL(inject('gatewayUrl') + path);
  const r = await new Promise<{ status: number; headers: IncomingHttpHeaders; text: string }>((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, localAddress, method: 'GET' },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end();
  });
  const body = r.text ? JSON.parse(r.text) : undefined;
  await expectDocumented('GET', path, { status: r.status, headers: headersOf(r.headers), text: r.text, body });
  return { status: r.status, headers: r.headers, body };
}

describe('issuing notices', () => {
  it('prices every line from the version in force and pins the version', async () => {
    const r = await issue({ payer: payer(), lines: [{ feeCode: fee.fixed }, { feeCode: fee.perUnit, quantity: 3 }] });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      departmentId: dept,
      total: 8000 + 1650,
      currency: 'CNY',
      status: 'issued',
      lines: [
        { feeCode: fee.fixed, feeVersion: 1, quantity: 1, unitAmount: 8000, amount: 8000 },
        { feeCode: fee.perUnit, feeVersion: 1, quantity: 3, unitAmount: 550, amount: 1650 },
      ],
    });
    expect(r.body.noticeNo).toMatch(/^\d{20}$/);
    expect(r.body.checkCode).toMatch(/^[0-9A-Z]{8}$/);
    expect(r.body.payer.idNumber).toBe(residentId()); // the issuing department sees the full identity
  });

  it('rejects any price field in the request with 400', async () => {
    const r = await issue({ payer: payer(), lines: [{ feeCode: fee.fixed, amount: 1 }] });
    expect(r.status).toBe(400);
    expect(r.body.errors).toContainEqual({ path: 'lines.0.amount', message: 'unknown field' });
    const r2 = await issue({ payer: payer(), lines: [{ feeCode: fee.fixed }], total: 1 });
    expect(r2.status).toBe(400);
  });

  it('refuses another department’s fee item (403) and an unknown or not-yet-in-force one (422)', async () => {
    const foreign = await issue({ payer: payer(), lines: [{ feeCode: fee.foreign }] });
    expect(foreign.status).toBe(403);
    expect(foreign.body.type).toMatch(/\/fee-item-other-department$/);
    const unknown = await issue({ payer: payer(), lines: [{ feeCode: 'NO-SUCH-FEE' }] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.type).toMatch(/\/fee-item-unknown$/);
    const future = await issue({ payer: payer(), lines: [{ feeCode: fee.future }] });
    expect(future.status).toBe(422);
    expect(future.body.type).toMatch(/\/fee-item-unknown$/);
  });

  it('validates resident ID numbers with the GB 11643 check digit, naming payer.idNumber', async () => {
    const bad = residentId().slice(0, 17) + (residentId().endsWith('0') ? '1' : '0');
    const r = await issue({ payer: { ...payer(), idNumber: bad }, lines: [{ feeCode: fee.fixed }] });
    expect(r.status).toBe(400);
    expect(r.body.errors.map((e: { path: string }) => e.path)).toContain('payer.idNumber');
    const passport = await issue({
      payer: { name: 'John', idType: 'passport', idNumber: 'E12345678' },
      lines: [{ feeCode: fee.fixed }],
    });
    expect(passport.status).toBe(201);
  });

  it('answers quantity 0, fractions and a missing payer with 400, never 5xx', async () => {
    for (const body of [
      { payer: payer(), lines: [{ feeCode: fee.perUnit, quantity: 0 }] },
      { payer: payer(), lines: [{ feeCode: fee.perUnit, quantity: 1.5 }] },
      { lines: [{ feeCode: fee.fixed }] },
      { payer: payer(), lines: [] },
      { payer: payer(), lines: [{ feeCode: fee.fixed }], dueDate: '2020-01-01' },
      'not an object',
    ])
      expect((await issue(body)).status).toBe(400);
  });
});

describe('looking up a notice', () => {
  it('gives the payer a masked view with the check code and the same 404 for a wrong code, a missing code and a missing notice', async () => {
    const n = (await issue({ payer: payer(), lines: [{ feeCode: fee.fixed }] })).body;
    const ok = await api('GET', `/v1/notices/${n.noticeNo}?checkCode=${n.checkCode}`);
    expect(ok.status).toBe(200);
    expect(ok.body.payer).toEqual({
      name: '张**',
      idType: 'resident-id',
      idNumber: `1101**********${residentId().slice(-4)}`,
      phone: '138****5678',
    });
    expect(ok.body.checkCode).toBeUndefined();

    const wrong = await api('GET', `/v1/notices/${n.noticeNo}?checkCode=AAAAAAAA`);
    const missingCode = await api('GET', `/v1/notices/${n.noticeNo}`);
    const missing = await api('GET', `/v1/notices/20260101000000000000?checkCode=${n.checkCode}`);
    for (const r of [wrong, missingCode, missing]) {
      expect(r.status).toBe(404);
      expect(r.body).toEqual(wrong.body);
    }
  });

  it('shows the full view to the issuing department, the clerk and finance, and 403 to another department', async () => {
    const n = (await issue({ payer: payer(), lines: [{ feeCode: fee.fixed }] })).body;
    for (const t of [deptToken, await token({ role: 'clerk', window: 'W01' }), await token({ role: 'finance' })]) {
      const r = await api('GET', `/v1/notices/${n.noticeNo}`, { token: t });
      expect(r.status).toBe(200);
      expect(r.body.payer.name).toBe('张三丰');
    }
    expect((await api('GET', `/v1/notices/${n.noticeNo}`, { token: otherToken })).status).toBe(403);
  });

  it('rate-limits look-ups per client so check codes cannot be enumerated', async () => {
    const n = (await issue({ payer: payer(), lines: [{ feeCode: fee.fixed }] })).body;
    // Fixed one-minute windows: do not straddle a window boundary.
    const intoWindow = (Date.now() / 1000) % 60;
    if (intoWindow > 54) await new Promise((r) => setTimeout(r, (61 - intoWindow) * 1000));
    const from = `127.0.${1 + Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;
    const statuses: number[] = [];
    let limited: { headers: Record<string, unknown>; body: any } | undefined;
    for (let i = 0; i < 40; i++) {
      const r = await getFrom(from, `/v1/notices/${n.noticeNo}?checkCode=GUESS${String(i).padStart(3, '0')}`);
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    expect(statuses.slice(0, 30).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
    expect(limited?.body.type).toMatch(/\/rate-limited$/);
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
    // another client is unaffected
    expect((await api('GET', `/v1/notices/${n.noticeNo}?checkCode=${n.checkCode}`)).status).toBe(200);
  });
});

describe('listing and cancelling', () => {
  it('lists a department’s own notices with status filter and cursor pagination; finance sees every department', async () => {
    const nos: string[] = [];
    for (let i = 0; i < 3; i++)
      nos.push((await issue({ payer: payer(), lines: [{ feeCode: fee.fixed }] })).body.noticeNo);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: any = await api('GET', `/v1/notices?status=issued&limit=2${cursor ? `&cursor=${cursor}` : ''}`, {
        token: deptToken,
      });
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(2);
      for (const n of r.body.items) {
        expect(n.departmentId).toBe(dept);
        expect(n.status).toBe('issued');
        seen.push(n.noticeNo);
      }
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expect.arrayContaining(nos));
    expect(new Set(seen).size).toBe(seen.length);

    expect((await api('GET', `/v1/notices?department=${other}`, { token: deptToken })).status).toBe(403);
    const fin = await api('GET', `/v1/notices?department=${dept}&limit=500`, {
      token: await token({ role: 'finance' }),
    });
    expect(fin.body.items.map((n: { noticeNo: string }) => n.noticeNo)).toEqual(expect.arrayContaining(nos));
    expect((await api('GET', '/v1/notices?cursor=bm9wZQ', { token: deptToken })).status).toBe(400);
    expect((await api('GET', '/v1/notices?status=lost', { token: deptToken })).status).toBe(400);
  });

  it('lets only the issuing department cancel an unpaid notice; a second cancel is 409', async () => {
    const n = (await issue({ payer: payer(), lines: [{ feeCode: fee.fixed }] })).body;
    expect(
      (await api('POST', `/v1/notices/${n.noticeNo}/cancel`, { token: otherToken, body: { reason: 'x' } })).status,
    ).toBe(403);
    const r = await api('POST', `/v1/notices/${n.noticeNo}/cancel`, { token: deptToken, body: { reason: '重复开具' } });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('cancelled');
    const again = await api('POST', `/v1/notices/${n.noticeNo}/cancel`, {
      token: deptToken,
      body: { reason: '重复开具' },
    });
    expect(again.status).toBe(409);
    expect(again.body.type).toMatch(/\/notice-cancelled$/);
  });
});
