import { AUDIT_EVENT_ID_PARAM } from '../../schemas/audit';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_INLINE_STATEMENT_BYTES } from '../../functions/shared/adapters/http';
import { DOCUMENT_NUMBER, PAYMENT_ID } from '../../functions/shared/domain/ids';
import { DATASET_IDS } from '../../schemas/opendata';
import { routes, type Route } from '../../schemas/routes';
import { api, token } from '../support/api';

/**
 * What the served OpenAPI document says, beyond "every route is listed" (platform.test.ts): the
 * answers the handlers and the gateway really give. That the API keeps to it is checked on every
 * response of the API tests by the validating proxy (test/support/prism.ts).
 */
let doc: any;
beforeAll(async () => {
  doc = (await api('GET', '/v1/openapi.json')).body;
});

const operations = () =>
  (routes as readonly Route[]).map((r) => ({ route: r, op: doc.paths[r.path][r.method.toLowerCase()] }));
const op = (method: string, path: string) => doc.paths[path][method.toLowerCase()];

describe('the OpenAPI document', () => {
  it('declares the rows route’s CSV answer beside the JSON, and 304 with its headers and no body', () => {
    const rows = op('GET', '/v1/open/datasets/{id}/rows');
    expect(Object.keys(rows.responses['200'].content).sort()).toEqual(['application/json', 'text/csv']);
    expect(rows.responses['200'].content['text/csv'].schema).toMatchObject({ type: 'string' });
    expect(rows.responses['200'].headers.ETag).toMatchObject({ required: true, schema: { type: 'string' } });
    expect(rows.responses['304'].content).toBeUndefined();
    expect(Object.keys(rows.responses['304'].headers)).toEqual(['ETag', 'Cache-Control', 'Vary']);
    expect(rows.parameters).toContainEqual(expect.objectContaining({ name: 'If-None-Match', in: 'header' }));
  });

  it('declares 429 with Retry-After on every route that limits its callers, and nowhere else', () => {
    const limited = [
      'POST /v1/payments',
      'POST /v1/payment-orders',
      'GET /v1/notices/{noticeNo}',
      'GET /v1/receipts/{receiptNo}',
      'GET /v1/notices/{noticeNo}/receipt',
      'POST /v1/receipts/verify',
      'POST /v1/open/keys',
      'POST /v1/open/keys/{keyId}/reveal',
      ...routes.filter((r) => r.access.kind === 'apiKey').map((r) => `${r.method} ${r.path}`),
    ];
    for (const { route, op } of operations()) {
      const key = `${route.method} ${route.path}`;
      expect(op.responses['429'] !== undefined, key).toBe(limited.includes(key));
      if (op.responses['429'])
        expect(op.responses['429'].headers['Retry-After'], key).toMatchObject({
          required: true,
          schema: { type: 'integer', minimum: 1 },
        });
    }
    const inProgress = op('POST', '/v1/payments').responses['409'];
    expect(inProgress.description).toContain('idempotency-in-progress');
    expect(inProgress.headers['Retry-After'].required).toBe(false);
  });

  it('declares 404 on the proof and the verification of a day that is not closed', () => {
    for (const path of ['/v1/ledger/days/{date}/proof', '/v1/ledger/days/{date}/verify'])
      expect(op('GET', path).responses['404'], path).toMatchObject({ description: 'not-found' });
  });

  it('declares 413 and 415 on every route that takes a body, and malformed-json on the JSON ones', () => {
    const withBody = operations().filter(({ op }) => op.requestBody);
    expect(withBody.map(({ route }) => `${route.method} ${route.path}`)).toEqual(
      routes.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`),
    );
    for (const { route, op } of withBody) {
      const key = `${route.method} ${route.path}`;
      expect(op.responses['413']?.description, key).toBe('payload-too-large');
      expect(op.responses['415']?.description, key).toBe('unsupported-media-type');
      if (op.requestBody.content['application/json'])
        expect(op.responses['400'].description, key).toContain('malformed-json');
    }
    const csv = op('POST', '/v1/bank-statements').requestBody.content['text/csv'].schema;
    expect(csv).toMatchObject({ type: 'string', maxLength: MAX_INLINE_STATEMENT_BYTES });
    for (const path of ['/v1/reconciliations/{id}/accept', '/v1/open/publish'])
      expect(op('POST', path).requestBody, path).toMatchObject({ required: false });
  });

  it('constrains every path parameter as its handler checks it', () => {
    const expected: Record<string, object> = {
      noticeNo: { pattern: '^\\d{20}$', maxLength: 20 },
      paymentId: { pattern: PAYMENT_ID.source, maxLength: 25 },
      receiptNo: { pattern: DOCUMENT_NUMBER.source, maxLength: 20 },
      code: { pattern: '^[A-Z0-9][A-Z0-9-]{1,31}$', maxLength: 32 },
      date: { pattern: '^\\d{4}-\\d{2}-\\d{2}$', maxLength: 10 },
      keyId: { pattern: '^[0-9a-f]{16}$', maxLength: 16 },
      jobId: { pattern: '^\\d{8}T\\d{9}Z-[0-9a-f]{12}$', maxLength: 31 },
      deliveryId: { pattern: '^dlv_\\d{17}[0-9a-f]{16}$', maxLength: 37 },
      windowId: { pattern: '^[A-Za-z0-9_-]{1,32}$', maxLength: 32 },
      orderId: { pattern: '^O\\d{8}[0-9A-Z]{20}$', maxLength: 29 },
      provider: { enum: ['alipay'] },
    };
    for (const { route, op } of operations())
      for (const name of [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!)) {
        const key = `${route.method} ${route.path} {${name}}`;
        const p = op.parameters.find((x: any) => x.in === 'path' && x.name === name);
        expect(p, key).toMatchObject({ required: true, schema: { type: 'string' } });
        if (name === 'id' && route.path.startsWith('/v1/open/')) expect(p.schema.enum, key).toEqual([...DATASET_IDS]);
        else if (name === 'id' && route.path.startsWith('/v1/webhook-endpoints/'))
          expect(p.schema, key).toMatchObject({ maxLength: 19, pattern: '^we_[A-Za-z0-9_-]{16}$' });
        else if (name === 'id' && route.path.startsWith('/v1/audit-events/'))
          expect(p.schema, key).toMatchObject({ maxLength: 45, pattern: AUDIT_EVENT_ID_PARAM.source });
        else if (name === 'id')
          expect(p.schema, key).toMatchObject({ maxLength: 100, pattern: '^RC-\\d{8}-V\\d{3,}$' });
        else expect(p.schema, key).toMatchObject(expected[name]!);
      }
  });

  it('declares every operation’s tag at the top level, with a description', () => {
    const declared = doc.tags.map((t: any) => t.name);
    for (const t of doc.tags) expect(t.description, t.name).toEqual(expect.any(String));
    for (const { route, op } of operations()) expect(declared, `${route.method} ${route.path}`).toContain(op.tags[0]);
  });

  it('documents Idempotent-Replayed on the money-moving answers and Idempotency-Key on their requests', () => {
    for (const [method, path, status] of [
      ['POST', '/v1/payments', '201'],
      ['POST', '/v1/payments/{paymentId}/refunds', '201'],
      ['POST', '/v1/reconciliations/{id}/accept', '200'],
    ] as const) {
      expect(op(method, path).responses[status].headers['Idempotent-Replayed'], path).toMatchObject({
        required: false,
        schema: { enum: ['true'] },
      });
      expect(op(method, path).parameters, path).toContainEqual(
        expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }),
      );
    }
  });

  it('declares no catch-all response, so a status the document does not name is a violation', () => {
    for (const { route, op } of operations())
      expect(
        Object.keys(op.responses).every((s) => /^\d{3}$/.test(s)),
        `${route.method} ${route.path}`,
      ).toBe(true);
  });
});

describe('answers the document now declares, through the validating proxy', () => {
  it('a day that is not closed: proof and verification are 404 not-found', async () => {
    const auditor = await token({ role: 'auditor' });
    for (const what of ['proof', 'verify']) {
      const r = await api('GET', `/v1/ledger/days/2001-01-01/${what}`, { token: auditor });
      expect([r.status, r.body.type], what).toEqual([404, expect.stringMatching(/\/not-found$/)]);
    }
  });

  it('a JSON route answers a body of another type with 415, and a body over its limit with 413', async () => {
    const admin = await token({ role: 'admin' });
    const text = await api('POST', '/v1/departments', {
      token: admin,
      rawBody: 'id=D9',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(text.status).toBe(415);
    const big = await api('POST', '/v1/open/keys', {
      body: { name: 'x'.repeat(300 * 1024), email: 'a@b.cn', purpose: 'p' },
    });
    expect(big.status).toBe(413);
  });
});
