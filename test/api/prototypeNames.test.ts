import { randomUUID } from 'node:crypto';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { routes, type Role, type Route } from '../../schemas/routes';
import { api, token, uniq, type ApiOptions } from '../support/api';

/**
 * Names from outside used as object keys: a query parameter, header or path parameter named after
 * an `Object.prototype` member must be just another unknown name (400, 404 or ignored), never a 500
 * and never a found thing (`/v1/open/datasets/toString/releases` once answered 200).
 */
const NAMES = [
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  '__defineGetter__',
];

const tokens = new Map<Role, string>();
beforeAll(async () => {
  for (const role of ['admin', 'finance', 'department', 'clerk', 'auditor'] as const)
    tokens.set(role, await token({ role, dept: role === 'department' ? 'D01' : undefined, window: 'W01' }));
});

/** An open-data key of its own for each test, so no test meets another's per-key rate limit. */
let apiKey = 'none';
beforeEach(async ({ task }) => {
  if (!task.name.includes('/v1/open/datasets') && !task.name.includes('dataset id')) return;
  const k = await api('POST', '/v1/open/keys', {
    body: { name: 'Prototype names', email: `p-${uniq()}@example.org`, purpose: 'tests' },
  });
  expect(k.status).toBe(201);
  apiKey = k.body.apiKey;
});

function callerFor(route: Route): string | undefined {
  const a = route.access;
  return a.kind === 'token' || a.kind === 'optional' ? tokens.get(a.roles[0]!) : undefined;
}

/** Every path parameter filled with `value`, or a plausible one. */
const fill = (path: string, value = 'X1') => path.replace(/\{[^}]+\}/g, value);

async function call(route: Route, path: string, extra: Pick<ApiOptions, 'headers'> = {}) {
  const opts: ApiOptions = {
    token: callerFor(route),
    headers: { 'idempotency-key': randomUUID(), 'x-api-key': apiKey, ...extra.headers },
  };
  if (route.method !== 'GET') {
    opts.rawBody = route.bodyType === 'text/csv' ? 'bankRef,valueDate,amount,channel,noticeNo,windowId\n' : '{}';
    opts.headers!['content-type'] = route.bodyType ?? 'application/json';
  }
  const r = await api(route.method, path, opts);
  const what = `${route.method} ${path} ${JSON.stringify(extra.headers ?? {})} → ${r.status} ${r.text.slice(0, 200)}`;
  expect(r.status, what).toBeLessThan(500);
  if (r.status >= 400) expect(r.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
  return r;
}

describe('names of Object.prototype members from outside', () => {
  it('GET /v1/health?constructor=1 and the like answer 200, as any unknown parameter or header', async () => {
    for (const name of NAMES) {
      expect((await api('GET', `/v1/health?${name}=1`)).status, name).toBe(200);
      expect((await api('GET', `/v1/health?${name}=1&${name}=2`)).status, name).toBe(200);
      expect((await api('GET', '/v1/health', { headers: { [name]: '1' } })).status, name).toBe(200);
    }
  });

  for (const route of routes as readonly Route[])
    it(`${route.method} ${route.path}: as a query parameter, a header and a path parameter`, async () => {
      for (const name of NAMES) {
        await call(route, `${fill(route.path)}?${name}=1&${name}=2`);
        await call(route, fill(route.path), { headers: { [name]: '1' } });
        if (route.path.includes('{')) await call(route, fill(route.path, name));
      }
    });

  it('a dataset id that names a prototype member is 404 dataset-unknown on every dataset route', async () => {
    const datasetRoutes = (routes as readonly Route[]).filter((r) => r.path.startsWith('/v1/open/datasets/{id}'));
    expect(datasetRoutes.length).toBeGreaterThanOrEqual(4);
    for (const route of datasetRoutes)
      for (const name of NAMES) {
        const r = await call(route, fill(route.path, name));
        expect([r.status, r.body.type], `${route.path} ${name}`).toEqual([
          404,
          expect.stringMatching(/dataset-unknown$/),
        ]);
      }
  });
});
