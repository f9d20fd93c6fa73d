import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../infra/local/dynamodb';
import { servedDocument } from '../support/api';
import { documentViolations, prismViolations, type CheckedResponse } from '../support/openapiCheck';
import { startValidatingProxy, type ValidatingProxy } from '../support/prism';

/**
 * The validating proxy itself: Prism, with the document the API serves, in front of a fake upstream
 * that answers what each test tells it to. Proves that what the API tests rely on is caught: a body
 * off its schema, a status or media type the document does not declare, a missing required header;
 * and that what the document declares (CSV, 304, 429 with Retry-After) passes.
 */
type Answer = { status: number; headers?: Record<string, string>; body?: string };
let answer: Answer = { status: 200 };
let upstream: Server;
let proxy: ValidatingProxy;

beforeAll(async () => {
  const port = await freePort();
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((ok) => upstream.listen(port, '127.0.0.1', ok));
  proxy = await startValidatingProxy({ upstream: `http://127.0.0.1:${port}`, document: await servedDocument() });
}, 90_000);

afterAll(async () => {
  await proxy?.stop();
  await new Promise((done) => upstream?.close(done));
});

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
const problem = (status: number, slug: string, headers: Record<string, string> = {}): Answer =>
  json(
    status,
    { type: `https://x/problems/${slug}`, title: slug, status, detail: slug },
    {
      'content-type': 'application/problem+json',
      ...headers,
    },
  );

/** Sends a request through the proxy while the upstream answers `a`; returns what Prism reported. */
async function through(a: Answer, method: string, path: string, body?: string): Promise<string[]> {
  answer = a;
  const res = await fetch(proxy.url + path, {
    method,
    body,
    headers: body ? { 'content-type': 'application/json' } : {},
  });
  const text = await res.text();
  const parsed = (res.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : text;
  return prismViolations({ status: res.status, headers: res.headers, text, body: parsed });
}

const release = {
  id: '20260301T000000000Z-abc123',
  datasetId: 'fee-catalog',
  publishedAt: '2026-03-01T00:00:00.000Z',
  sha256: 'ab'.repeat(32),
  rowCount: 0,
  disclosure: { k: 5, primarySuppressed: 0, secondarySuppressed: 0, smallestPublishedCount: null },
  periodsUpTo: null,
};
const cache = { etag: '"abc"', 'cache-control': 'private, max-age=300', vary: 'Accept' };
const rows = '/v1/open/datasets/fee-catalog/rows';

describe('the validating proxy', () => {
  it('is what the API tests call: apiUrl is Prism in front of gatewayUrl', async () => {
    expect(inject('apiUrl')).not.toBe(inject('gatewayUrl'));
    const r = await fetch(`${inject('apiUrl')}/v1/no-such-route`);
    expect(((await r.json()) as { type: string }).type).toBe('https://stoplight.io/prism/errors#NO_PATH_MATCHED_ERROR');
  });

  it('passes what the document describes', async () => {
    expect(await through(json(200, { status: 'ok' }), 'GET', '/v1/health')).toEqual([]);
    expect(await through(json(200, { items: [], nextCursor: null, release }, cache), 'GET', rows)).toEqual([]);
    const csv = { status: 200, headers: { ...cache, 'content-type': 'text/csv; charset=utf-8; header=present' } };
    expect(await through({ ...csv, body: 'code,name\r\n' }, 'GET', rows)).toEqual([]);
    expect(await through({ status: 304, headers: cache }, 'GET', rows)).toEqual([]);
    const limited = problem(429, 'rate-limited', { 'retry-after': '7' });
    expect(await through(limited, 'POST', '/v1/payments', '{}')).toEqual([]);
  });

  it('fails a body off its schema, naming the field', async () => {
    const v = await through(json(200, { status: 'down' }), 'GET', '/v1/health');
    expect(v.join('\n')).toMatch(/response\.body\.status/);
  });

  it('fails a status the document does not declare', async () => {
    const v = await through(problem(418, 'teapot'), 'GET', '/v1/health');
    expect(v.join('\n')).toMatch(/Unable to match the returned status code/);
  });

  it('fails a media type the document does not declare and a missing required header', async () => {
    const csvOnHealth = { status: 200, headers: { 'content-type': 'text/csv' }, body: 'status\r\nok\r\n' };
    expect((await through(csvOnHealth, 'GET', '/v1/health')).join('\n')).toMatch(/media type/);
    const noEtag = json(200, { items: [], nextCursor: null, release }, { 'cache-control': 'x', vary: 'Accept' });
    expect((await through(noEtag, 'GET', rows)).join('\n')).toMatch(/required property 'etag'/);
    const noRetryAfter = problem(429, 'rate-limited');
    expect((await through(noRetryAfter, 'POST', '/v1/payments', '{}')).join('\n')).toMatch(
      /required property 'retry-after'/,
    );
  });
});

describe('the same check in the test, for requests that go around the proxy', () => {
  const res = (status: number, body: unknown, headers: Record<string, string> = {}): CheckedResponse => ({
    status,
    headers: new Headers({ 'content-type': 'application/json', ...headers }),
    text: JSON.stringify(body),
    body,
  });

  it('passes what the document describes and fails what it does not', async () => {
    const doc = await servedDocument();
    expect(documentViolations(doc, 'GET', '/v1/health', res(200, { status: 'ok' }))).toEqual([]);
    expect(documentViolations(doc, 'GET', '/v1/health', res(200, { status: 'down' }))).not.toEqual([]);
    expect(documentViolations(doc, 'GET', '/v1/health', res(418, {}))).toEqual([
      expect.stringMatching(/^status 418 is not declared/),
    ]);
    const p = { type: 'https://x/problems/rate-limited', title: 't', status: 429, detail: 'd' };
    const type = { 'content-type': 'application/problem+json' };
    expect(documentViolations(doc, 'POST', '/v1/payments', res(429, p, type))).toEqual([
      'required header Retry-After is missing',
    ]);
    expect(documentViolations(doc, 'GET', '/v1/nope', res(404, { nope: 1 }))).not.toEqual([]);
  });
});
