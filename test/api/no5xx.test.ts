import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes, type Role, type Route } from '../../schemas/routes';
import { api, token, uniq } from '../support/api';

/**
 * "No request, however malformed, gets a 5xx" (API.md), checked over every route of the route table
 * with the role it needs: odd path parameters, odd query strings and odd bodies. Every answer must be
 * below 500 and, when it is an error, problem+json.
 */
const PATH_VALUES = [
  'x',
  '0',
  'ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ',
  '%E4%B8%AD%E6%96%87',
  '..%2F..',
  '%00',
  '2026-13-45',
];
const QUERIES = [
  '',
  '?limit=-1',
  '?limit=abc&cursor=%%%',
  '?cursor=eyJwayI6MX0',
  '?asOf=yesterday&businessDate=2026-02-30&date=x&from=z&to=&status=weird',
  '?release=..&department=d01&channel=cheque&account=' + 'a'.repeat(3000),
  '?limit=100000000000000000000&x=1&x=2',
];
const BODIES: unknown[] = [
  {},
  [],
  'a string',
  123,
  null,
  { amount: 1.5, noticeNos: 'x', channel: 7, lines: [{}], payer: null, statementIds: {}, effectiveTo: 5 },
  { amount: 1e308, noticeNos: Array(500).fill('1'), quantity: -1, departmentId: { $ne: 1 } },
  JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{}}}'),
  { a: { b: { c: { d: { e: [[[[[[[[]]]]]]]] } } } } },
];

const tokens = new Map<Role, string>();
beforeAll(async () => {
  tokens.set('admin', await token({ role: 'admin' }));
  tokens.set('finance', await token({ role: 'finance' }));
  tokens.set('department', await token({ role: 'department', dept: 'D01' }));
  tokens.set('clerk', await token({ role: 'clerk', window: 'W01' }));
  tokens.set('auditor', await token({ role: 'auditor' }));
});

function callerFor(route: Route): string | undefined {
  const a = route.access;
  return a.kind === 'token' || a.kind === 'optional' ? tokens.get(a.roles[0]!) : undefined;
}

const fill = (path: string, value: string) => path.replace(/\{[^}]+\}/g, value);

async function expectNo5xx(method: string, path: string, opts: Parameters<typeof api>[2]) {
  const r = await api(method, path, {
    ...opts,
    headers: { 'idempotency-key': randomUUID(), 'x-api-key': `k-${uniq()}`, ...(opts?.headers ?? {}) },
  });
  expect(r.status, `${method} ${path} → ${r.status} ${r.text.slice(0, 300)}`).toBeLessThan(500);
  if (r.status >= 400)
    expect(r.headers.get('content-type'), `${method} ${path}`).toMatch(/^application\/problem\+json/);
}

describe('no input gets a 5xx', () => {
  for (const route of routes as readonly Route[]) {
    it(`${route.method} ${route.path}`, async () => {
      const auth = callerFor(route);
      const paths = route.path.includes('{') ? PATH_VALUES.map((v) => fill(route.path, v)) : [route.path];
      for (const path of paths) for (const q of QUERIES) await expectNo5xx(route.method, path + q, { token: auth });
      if (route.method === 'GET') return;
      const path = fill(route.path, 'x');
      for (const body of BODIES) await expectNo5xx(route.method, path, { token: auth, body });
      await expectNo5xx(route.method, path, {
        token: auth,
        rawBody: '{"unterminated',
        headers: { 'content-type': 'application/json' },
      });
      await expectNo5xx(route.method, path, {
        token: auth,
        rawBody: Buffer.from([0xff, 0xfe, 0x00, 0x81]),
        headers: { 'content-type': route.bodyType ?? 'application/json' },
      });
      await expectNo5xx(route.method, path, {
        token: auth,
        rawBody: 'bankRef,valueDate\n"unclosed,',
        headers: { 'content-type': 'text/csv' },
      });
    });
  }
});
