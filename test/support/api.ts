import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { issueLocalToken, type TokenClaims } from '../../infra/local/keys';
import { matchRoute } from '../../infra/local/routeMatch';
import { documentViolations, prismViolations, type CheckedResponse } from './openapiCheck';

/**
 * HTTP client for API tests: real requests over a socket, through the validating proxy (Prism, see
 * test/support/prism.ts) to the local gateway. A response the OpenAPI document does not describe
 * throws, naming the violation, so every API test also tests the document.
 */
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface ApiOptions {
  token?: string;
  body?: unknown;
  /** Sent as is (no JSON encoding). */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

export async function api<T = any>(method: string, path: string, opts: ApiOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | Buffer | undefined = opts.rawBody;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  return send({ proxy: inject('apiUrl'), gateway: inject('gatewayUrl') }, method, path, { headers, body });
}

/** Where a test's stack answers: the validating proxy, and the gateway behind it. */
export interface Endpoints {
  proxy: string;
  gateway: string;
}

/**
 * One request through the proxy (or, when Prism cannot carry it, straight to the gateway), its
 * response checked against the document: throws naming every violation.
 */
export async function send<T = any>(
  to: Endpoints,
  method: string,
  path: string,
  req: { headers: Record<string, string>; body?: string | Buffer },
): Promise<ApiResponse<T>> {
  const around = reasonToGoAround(method, path, req.headers, req.body);
  const res = await fetch((around ? to.gateway : to.proxy) + path, { method, headers: req.headers, body: req.body });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  const out = { status: res.status, body: parsed as T, text, headers: res.headers };
  if (around) await expectDocumented(method, path, out, `went around the proxy: ${around}`, to.gateway);
  else failOn(method, path, out, prismViolations(out), 'the validating proxy');
  return out;
}

/**
 * Why a request cannot go through Prism as sent, or undefined when it can. Prism answers an unknown
 * route itself, never answers a body that is not JSON under a JSON content type (the request hangs),
 * decodes bodies as UTF-8 (invalid bytes would arrive replaced), drops a JSON body of `null`, `false`
 * or `0`, and re-sends a JSON string without its quotes. Tests send such requests on purpose, to check
 * the API's own answer; they go straight to the gateway and the answer is checked here instead.
 */
function reasonToGoAround(
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string | Buffer | undefined,
): string | undefined {
  if (!matchRoute(method.toUpperCase(), new URL(path, 'http://local').pathname).route)
    return 'a route the document does not have';
  if (body === undefined || body.length === 0) return undefined;
  if (method === 'GET' || method === 'HEAD') return 'a body on a GET';
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  if (bytes.length > 10 * 1024 * 1024) return 'a body over Prism’s 10 MB';
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return 'a body that is not UTF-8';
  }
  const contentType = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
  if (!/^application\/([\w.-]+\+)?json\b/i.test(contentType.trim())) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'string' || !value) return 'a JSON body Prism re-sends differently';
  } catch {
    return 'a body that is not JSON';
  }
  return undefined;
}

const served = new Map<string, Promise<any>>();

/** The document a gateway serves, read once per test file straight from it. */
export function servedDocument(gateway: string = inject('gatewayUrl')): Promise<any> {
  let doc = served.get(gateway);
  if (!doc) served.set(gateway, (doc = fetch(`${gateway}/v1/openapi.json`).then((r) => r.json())));
  return doc;
}

/**
 * Checks a response that did not come through the proxy (a test with its own socket) against the
 * document, and throws like `api` does when the document does not describe it.
 */
export async function expectDocumented(
  method: string,
  path: string,
  res: CheckedResponse,
  how = 'its own socket',
  gateway?: string,
): Promise<void> {
  failOn(method, path, res, documentViolations(await servedDocument(gateway), method, path, res), how);
}

/** Node's response headers as a fetch Headers object. */
export const headersOf = (h: Record<string, string | string[] | undefined>): Headers =>
  new Headers(Object.entries(h).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)] as [string, string]])));

function failOn(method: string, path: string, res: CheckedResponse, violations: string[], checkedBy: string): void {
  if (!violations.length) return;
  throw new Error(
    `The OpenAPI document does not describe ${method} ${path.slice(0, 200)} → ${res.status} (checked by ${checkedBy}):\n` +
      violations.map((v) => `  - ${v}`).join('\n'),
  );
}

export const token = (claims: TokenClaims): Promise<string> => issueLocalToken(claims, inject('keyDir'));

/** A short unique suffix so tests sharing one database never collide. */
export const uniq = (): string => randomUUID().replace(/-/g, '').slice(0, 8).toUpperCase();
