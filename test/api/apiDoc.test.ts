import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Route, routes } from '../../schemas/routes';
import { api } from '../support/api';

/**
 * docs/API.md is the contract clients are written against; the route table (schemas/routes.ts) is
 * what the gateway, the CDK stack and the served OpenAPI document are built from. They must agree:
 * every route API.md's tables list exists, with the roles its "who" column names, and every route of
 * the route table is in API.md. Routes the contract already names for future issues are listed in
 * NOT_YET_BUILT with the reason, never skipped silently; the list fails once such a route exists.
 */
const API_MD = readFileSync(new URL('../../docs/API.md', import.meta.url), 'utf8');

const NOT_YET_BUILT: Record<string, string> = {
  'GET /v1/windows/{windowId}/days/{date}':
    "in the contract's Payments table but never built, and no issue so far has asked for it: reported to the lead",
  'POST /v1/webhook-endpoints': 'webhooks for department systems are a later issue',
  'GET /v1/webhook-endpoints': 'webhooks for department systems are a later issue',
  'DELETE /v1/webhook-endpoints/{id}': 'webhooks for department systems are a later issue',
  'GET /v1/webhook-endpoints/{id}/deliveries': 'webhooks for department systems are a later issue',
  'POST /v1/webhook-endpoints/{id}/deliveries/{deliveryId}/retry': 'webhooks for department systems are a later issue',
  'GET /v1/audit-events': 'the audit trail is a later issue',
  'GET /v1/audit-events/{id}/proof': 'the audit trail is a later issue',
  'GET /v1/audit/days/{date}/verify': 'the audit trail is a later issue',
};

/**
 * Where the route table admits a caller API.md's row does not name, and why. Each entry is a known
 * step on the way to the contract, to be removed when that step lands.
 */
const ACCESS_EXCEPTIONS: Record<string, string> = {
  'POST /v1/payments':
    'an anonymous post is answered, not refused at the door: `online` is 422 online-payment-needs-order (what an old portal sends), anything else 401',
  'GET /v1/payment-orders/{orderId}': 'the order’s holder is anonymous and proves it with x-order-token',
  'POST /v1/payment-orders/{orderId}/cancel': 'the order’s holder is anonymous and proves it with x-order-token',
  'POST /v1/payment-providers/{provider}/notifications':
    'the provider sends no token; its signature over the body is checked before anything is read (ADR 0015)',
};

/** Statuses and problem slugs a built row names that the served document does not declare yet, and why. */
const RESULT_EXCEPTIONS: Record<string, string> = {};

interface Row {
  key: string;
  section: string;
  who: string;
  result: string;
}

/** Every row of every route table in API.md: `| \`METHOD /path?query\` ... | who | result |`. */
function apiMdRows(text: string): Row[] {
  const rows: Row[] = [];
  let section = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('## ')) section = line.slice(3).trim();
    const m = /^\| `(GET|POST|PUT|DELETE) (\/[^`?\s]*)[^`]*`[^|]*\| ([^|]*) \| (.*) \|$/.exec(line);
    if (m) rows.push({ key: `${m[1]} ${m[2]}`, section, who: m[3]!.trim(), result: m[4]!.trim() });
  }
  return rows;
}

const rows = apiMdRows(API_MD);
const table = new Map((routes as readonly Route[]).map((r) => [`${r.method} ${r.path}`, r]));
const rolesNamed = (who: string) => ROLES.filter((role) => new RegExp(`\\b${role}\\b`).test(who));
const sorted = <T>(xs: Iterable<T>) => [...xs].sort();

describe('docs/API.md and the route table', () => {
  it('API.md has route tables (the parser found them)', () => {
    expect(rows.length).toBeGreaterThanOrEqual(table.size);
  });

  it('every route of the route table is in API.md', () => {
    const documented = new Set(rows.map((r) => r.key));
    expect([...table.keys()].filter((k) => !documented.has(k))).toEqual([]);
  });

  it('every route API.md lists exists, or is explicitly not yet built (with the reason)', () => {
    const missing = rows.filter((r) => !table.has(r.key) && !(r.key in NOT_YET_BUILT)).map((r) => r.key);
    expect(missing).toEqual([]);
  });

  it('the not-yet-built list holds only routes API.md lists and the route table lacks', () => {
    const documented = new Set(rows.map((r) => r.key));
    for (const key of Object.keys(NOT_YET_BUILT)) {
      expect(documented.has(key), `${key} is in API.md`).toBe(true);
      expect(table.has(key), `${key} exists now: remove it from NOT_YET_BUILT`).toBe(false);
    }
  });

  it('each route admits exactly the roles API.md names; anyone, API key and anonymous as API.md says', () => {
    const problems: string[] = [];
    for (const [key, route] of table) {
      const docRows = rows.filter((r) => r.key === key);
      if (docRows.length === 0) continue;
      const who = docRows.map((r) => r.who).join('; ');
      const named = sorted(new Set(docRows.flatMap((r) => rolesNamed(r.who))));
      const anyone = /\banyone\b/.test(who);
      const access = route.access;
      const admitted = access.kind === 'token' || access.kind === 'optional' ? sorted(access.roles) : [];
      if (JSON.stringify(admitted) !== JSON.stringify(named))
        problems.push(`${key}: route table admits [${admitted}], API.md names [${named}] (${who})`);
      if (access.kind === 'apiKey' && who !== 'API key') problems.push(`${key}: needs an API key, API.md says ${who}`);
      if (access.kind !== 'apiKey' && who === 'API key')
        problems.push(`${key}: API.md says API key, route is ${access.kind}`);
      if (access.kind === 'public' && !anyone && !(key in ACCESS_EXCEPTIONS))
        problems.push(`${key}: public, but API.md says ${who}`);
      if (access.kind === 'token' && anyone) problems.push(`${key}: needs a token, but API.md says ${who}`);
      if (access.kind === 'optional' && !anyone && !(key in ACCESS_EXCEPTIONS))
        problems.push(`${key}: admits anonymous callers, API.md says ${who}`);
    }
    expect(problems).toEqual([]);
  });

  it('the access exceptions name routes that still need them', () => {
    for (const key of Object.keys(ACCESS_EXCEPTIONS))
      expect(['optional', 'public'], key).toContain(table.get(key)?.access.kind);
  });
});

describe('docs/API.md and the served OpenAPI document', () => {
  let doc: any;
  beforeAll(async () => {
    doc = (await api('GET', '/v1/openapi.json')).body;
  });

  /** The statuses (`201`, `409`) and problem slugs (`notice-already-paid`) a row's result names. */
  function undeclared(): string[] {
    const found: string[] = [];
    for (const r of rows.filter((x) => table.has(x.key))) {
      const [method, path] = r.key.split(' ') as [string, string];
      const responses = doc.paths[path]?.[method.toLowerCase()]?.responses ?? {};
      for (const status of r.result.match(/\b[1-5]\d\d\b/g) ?? [])
        if (!responses[status]) found.push(`${r.key} ${status}`);
      const described = JSON.stringify(responses);
      for (const [, slug] of r.result.matchAll(/`([a-z]+(?:-[a-z]+)+)`/g))
        if (!described.includes(slug!)) found.push(`${r.key} ${slug}`);
    }
    return found;
  }

  it('every status and problem slug a row names is declared for that operation', () => {
    expect(undeclared().filter((x) => !(x in RESULT_EXCEPTIONS))).toEqual([]);
  });

  it('the result exceptions are still needed', () => {
    const now = new Set(undeclared());
    expect(Object.keys(RESULT_EXCEPTIONS).filter((x) => !now.has(x))).toEqual([]);
  });

  it('every built route API.md lists is an operation of the served document', () => {
    const built = rows.filter((r) => table.has(r.key));
    const absent = built.filter((r) => {
      const [method, path] = r.key.split(' ') as [string, string];
      return !doc.paths[path]?.[method.toLowerCase()];
    });
    expect(absent.map((r) => r.key)).toEqual([]);
  });
});
