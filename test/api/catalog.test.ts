import { beforeAll, describe, expect, it } from 'vitest';
import { api, token, uniq } from '../support/api';

let admin: string;
beforeAll(async () => {
  admin = await token({ role: 'admin' });
});

const feeItem = (code: string, departmentId: string, extra: Record<string, unknown> = {}) => ({
  code,
  departmentId,
  name: '不动产登记费',
  category: 'administrative-fee',
  legalBasis: '《不动产登记暂行条例》',
  approvedBy: '国家发展改革委 财政部',
  pricing: { kind: 'fixed', amount: 8000 },
  ...extra,
});

describe('catalog over HTTP', () => {
  it('creates a catalog with an admin token and reads it anonymously, with versions and asOf', async () => {
    const dept = `D${uniq()}`;
    const code = `RE-${uniq()}`;
    expect(
      (await api('POST', '/v1/departments', { token: admin, body: { id: dept, name: '自然资源局' } })).status,
    ).toBe(201);
    const created = await api('POST', '/v1/fee-items', {
      token: admin,
      body: feeItem(code, dept, { effectiveFrom: '2030-01-01' }),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ code, version: 1, effectiveFrom: '2030-01-01' });

    const v2 = await api('PUT', `/v1/fee-items/${code}`, {
      token: admin,
      body: {
        ...feeItem(code, dept, {
          effectiveFrom: '2031-01-01',
          pricing: { kind: 'per-unit', unitAmount: 550, unit: '件' },
        }),
        code: undefined,
        departmentId: undefined,
      },
    });
    expect(v2.status).toBe(200);
    expect(v2.body.version).toBe(2);

    const in2030 = await api('GET', `/v1/fee-items?department=${dept}&asOf=2030-06-01`);
    expect(in2030.status).toBe(200);
    expect(in2030.body.items).toHaveLength(1);
    expect(in2030.body.items[0]).toMatchObject({ version: 1, pricing: { kind: 'fixed', amount: 8000 } });
    const in2031 = await api('GET', `/v1/fee-items?department=${dept}&asOf=2031-06-01`);
    expect(in2031.body.items[0]).toMatchObject({ version: 2, pricing: { kind: 'per-unit', unitAmount: 550 } });

    const history = await api('GET', `/v1/fee-items/${code}`);
    expect(history.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);

    const depts = await api('GET', '/v1/departments');
    expect(depts.body.items).toContainEqual({ id: dept, name: '自然资源局' });
  });

  it('answers 422 retroactive-change for a version that would take effect in the past', async () => {
    const dept = `D${uniq()}`;
    await api('POST', '/v1/departments', { token: admin, body: { id: dept, name: 'x' } });
    const r = await api('POST', '/v1/fee-items', {
      token: admin,
      body: feeItem(`RE-${uniq()}`, dept, { effectiveFrom: '2020-01-01' }),
    });
    expect(r.status).toBe(422);
    expect(r.headers.get('content-type')).toBe('application/problem+json');
    expect(r.body.type).toMatch(/\/retroactive-change$/);
  });

  it('answers 409 department-exists for a duplicate department', async () => {
    const dept = `D${uniq()}`;
    await api('POST', '/v1/departments', { token: admin, body: { id: dept, name: 'x' } });
    const r = await api('POST', '/v1/departments', { token: admin, body: { id: dept, name: 'y' } });
    expect(r.status).toBe(409);
    expect(r.body.type).toMatch(/\/department-exists$/);
  });

  it('requires an admin token to write: 401 without, 403 for another role', async () => {
    expect((await api('POST', '/v1/departments', { body: { id: 'DX', name: 'x' } })).status).toBe(401);
    const finance = await token({ role: 'finance' });
    expect((await api('POST', '/v1/departments', { token: finance, body: { id: 'DX', name: 'x' } })).status).toBe(403);
    expect((await api('POST', '/v1/departments', { token: 'not.a.jwt', body: { id: 'DX', name: 'x' } })).status).toBe(
      401,
    );
  });

  it('rejects an expired token and one for another audience', async () => {
    const expired = await token({ role: 'admin', expiresIn: '-1m' });
    expect((await api('POST', '/v1/departments', { token: expired, body: { id: 'DX', name: 'x' } })).status).toBe(401);
  });
});

describe('bad input never gets a 5xx', () => {
  it('names every bad field and rejects unknown fields, writing nothing', async () => {
    const code = `RE-${uniq()}`;
    const r = await api('POST', '/v1/fee-items', {
      token: admin,
      body: {
        code,
        departmentId: 'D01',
        name: '',
        category: 'tax',
        legalBasis: '',
        approvedBy: 'x',
        pricing: { kind: 'fixed', amount: 1.5 },
        colour: 'red',
      },
    });
    expect(r.status).toBe(400);
    expect(r.body.type).toMatch(/\/validation-failed$/);
    const paths = r.body.errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(['category', 'colour', 'legalBasis', 'name', 'pricing.amount']);
    expect((await api('GET', `/v1/fee-items/${code}`)).status).toBe(404);
  });

  it.each([
    ['malformed JSON', { rawBody: '{"id":', headers: { 'content-type': 'application/json' } }, 400],
    [
      'a wrong content type',
      { rawBody: 'id=D1', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      415,
    ],
    [
      'a huge body',
      {
        rawBody: JSON.stringify({ id: 'D1', name: 'x'.repeat(300_000) }),
        headers: { 'content-type': 'application/json' },
      },
      413,
    ],
    ['a JSON array', { body: [1, 2] }, 400],
    ['null', { rawBody: 'null', headers: { 'content-type': 'application/json' } }, 400],
    ['no body', {}, 400],
  ])('answers %s with a 4xx problem', async (_name, opts, status) => {
    const r = await api('POST', '/v1/departments', { token: admin, ...opts });
    expect(r.status).toBe(status);
    expect(r.headers.get('content-type')).toBe('application/problem+json');
  });

  it('answers unknown routes 404 and wrong methods 405, as problem+json', async () => {
    expect((await api('GET', '/v1/nothing-here')).status).toBe(404);
    const r = await api('DELETE', '/v1/departments');
    expect(r.status).toBe(405);
    expect(r.body.type).toMatch(/\/method-not-allowed$/);
  });

  it('rejects a bad asOf', async () => {
    const r = await api('GET', '/v1/fee-items?asOf=2026-02-30');
    expect(r.status).toBe(400);
    expect(r.body.errors[0].path).toBe('asOf');
  });
});
