import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { issueLocalToken, type TokenClaims } from '../../infra/local/keys';

/** HTTP client for API tests: real requests over a socket to the local gateway. */
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
  const res = await fetch(inject('apiUrl') + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  return { status: res.status, body: parsed as T, text, headers: res.headers };
}

export const token = (claims: TokenClaims): Promise<string> => issueLocalToken(claims, inject('keyDir'));

/** A short unique suffix so tests sharing one database never collide. */
export const uniq = (): string => randomUUID().replace(/-/g, '').slice(0, 8).toUpperCase();
