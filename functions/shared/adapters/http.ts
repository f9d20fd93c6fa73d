import middy from '@middy/core';
import { createHash } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { routes, type HttpFunctionName, type Route, type RouteKey } from '../../../schemas/routes';
import { principalFromContext, type Principal } from '../domain/principal';
import type { CursorSeal } from '../domain/cursor';
import { DomainError, problemOf } from '../domain/errors';
import { log } from './log';

/**
 * The HTTP adapter every API function shares: route dispatch by `event.resource` (the route table's
 * path), the role check of the route table, body decoding with size and content-type limits, and the
 * single mapping of DomainError (and anything unexpected) to RFC 9457 problem+json.
 */
export interface HttpRequest {
  event: APIGatewayProxyEvent;
  route: Route;
  principal: Principal;
  params: Record<string, string>;
  query: Record<string, string>;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  /** Parsed JSON, the raw text for a text/csv or form-encoded route, or undefined when there is no body. */
  body: unknown;
  requestId: string;
}

export interface HttpResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A body that is not JSON (CSV, HTML); sent as is with the headers given. */
  text?: string;
}

export type RouteHandler = (req: HttpRequest) => Promise<HttpResponse>;
export type RouteHandlers<F extends HttpFunctionName> = Record<RouteKey<F>, RouteHandler>;

export const MAX_JSON_BODY_BYTES = 256 * 1024;
/**
 * Bank statements (the only text/csv bodies) up to 5 MB travel inline; anything larger goes through
 * S3 (see docs). The finance route enforces this limit itself, because only it can say where to
 * send the statement instead.
 */
export const MAX_INLINE_STATEMENT_BYTES = 5 * 1024 * 1024;
/**
 * The hard cap on a text/csv body, deliberately a megabyte above MAX_INLINE_STATEMENT_BYTES: a
 * statement a little over the inline limit still reaches its route and gets the S3 advice; only a
 * body far beyond it is cut here (and by the local gateway before it reads it whole).
 */
export const MAX_CSV_BODY_BYTES = MAX_INLINE_STATEMENT_BYTES + 1024 * 1024;

/**
 * A copy of the event's own entries in an object without a prototype: header and query names come
 * from outside, and in a plain object `constructor` or `toString` would read Object.prototype's
 * members (and `__proto__` would not be a key at all).
 */
function ownEntries(
  h: Record<string, string | undefined> | null | undefined,
  name: (k: string) => string = (k) => k,
): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(h ?? {})) if (v !== undefined) out[name(k)] = v;
  return out;
}

export const lowerCaseHeaders = (h: Record<string, string | undefined> | null | undefined): Record<string, string> =>
  ownEntries(h, (k) => k.toLowerCase());

function decodeBody(event: APIGatewayProxyEvent, route: Route, headers: Record<string, string>): unknown {
  if (event.body === null || event.body === undefined || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const limit = route.bodyType === 'text/csv' ? MAX_CSV_BODY_BYTES : MAX_JSON_BODY_BYTES;
  if (Buffer.byteLength(raw, 'utf8') > limit)
    throw new DomainError('payload-too-large', `The body may be at most ${limit} bytes`);
  const mediaType = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (route.bodyType === 'text/csv') {
    if (mediaType !== 'text/csv') throw new DomainError('unsupported-media-type', 'Send the statement as text/csv');
    return raw;
  }
  // A provider notification: its signature covers the fields as sent, so the route reads the text.
  if (route.bodyType === 'application/x-www-form-urlencoded') {
    if (mediaType !== route.bodyType)
      throw new DomainError('unsupported-media-type', `Send the body as ${route.bodyType}`);
    return raw;
  }
  if (mediaType !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(mediaType))
    throw new DomainError('unsupported-media-type', 'Send the body as application/json');
  try {
    return JSON.parse(raw);
  } catch {
    throw new DomainError('malformed-json', 'The body could not be parsed as JSON');
  }
}

function checkAccess(route: Route, principal: Principal): void {
  const access = route.access;
  if (access.kind !== 'token' && access.kind !== 'optional') return;
  if (principal.role === 'anonymous') {
    if (access.kind === 'token') throw new DomainError('unauthorized');
    return;
  }
  if (!(access.roles as readonly string[]).includes(principal.role))
    throw new DomainError('forbidden', `The ${principal.role} role may not call ${route.method} ${route.path}`);
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

export function problemResponse(err: DomainError): APIGatewayProxyResult {
  return {
    statusCode: err.status,
    headers: { 'content-type': 'application/problem+json', ...(err.headers ?? {}) },
    body: JSON.stringify(problemOf(err)),
  };
}

function toResult(res: HttpResponse): APIGatewayProxyResult {
  if (res.text !== undefined) return { statusCode: res.status, headers: res.headers ?? {}, body: res.text };
  return {
    statusCode: res.status,
    headers: { ...(res.body === undefined ? {} : JSON_HEADERS), ...(res.headers ?? {}) },
    body: res.body === undefined ? '' : JSON.stringify(res.body),
  };
}

/**
 * What a cursor is sealed for: the route and the caller's scope (role, department, window) and the
 * path parameters (a dataset). A cursor handed out for one list opens for that list only.
 */
function cursorScope(route: Route, principal: Principal, params: Record<string, string>): string {
  const { role, dept = '', window = '' } = principal;
  return JSON.stringify([route.method, route.path, role, dept, window, Object.entries(params).sort()]);
}

/**
 * A list route's cursors as its client sees them, sealed for this route and caller with the seal the
 * function's wiring built (../domain/cursor.ts): `open` turns the `cursor` a client sent into the
 * position this list sealed (400 naming `cursor` for anything else), `seal` the next position into
 * the `nextCursor` to send.
 */
export function listCursors(req: HttpRequest, seal: CursorSeal) {
  const scope = cursorScope(req.route, req.principal, req.params);
  return {
    open: (sealed: string | undefined): string | undefined => (sealed ? seal.open(sealed, scope) : undefined),
    seal: (cursor: string | null): string | null => (cursor === null ? null : seal.seal(cursor, scope)),
  };
}

/** Builds a function's Lambda handler from its route handlers; TypeScript insists on one per route. */
export function httpHandler<F extends HttpFunctionName>(fn: F, handlers: RouteHandlers<F>) {
  const table = new Map<string, { route: Route; handle: RouteHandler }>();
  for (const route of routes as readonly Route[]) {
    if (route.fn !== fn) continue;
    const handle = (handlers as Record<string, RouteHandler>)[`${route.method} ${route.path}`];
    if (handle) table.set(`${route.method} ${route.path}`, { route, handle });
  }

  const dispatch = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    const entry = table.get(`${event.httpMethod} ${event.resource}`);
    if (!entry) throw new DomainError('not-found', `No route ${event.httpMethod} ${event.resource}`);
    const principal = principalFromContext(event.requestContext?.authorizer as Record<string, unknown> | null);
    checkAccess(entry.route, principal);
    const headers = lowerCaseHeaders(event.headers);
    const req: HttpRequest = {
      event,
      route: entry.route,
      principal,
      params: ownEntries(event.pathParameters),
      query: ownEntries(event.queryStringParameters),
      headers,
      body: decodeBody(event, entry.route, headers),
      requestId: event.requestContext?.requestId ?? context.awsRequestId,
    };
    return toResult(await entry.handle(req));
  };

  const started = new WeakMap<object, number>();
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>(dispatch).use({
    before: (request) => {
      started.set(request, Date.now());
    },
    after: (request) => {
      accessLog(fn, request.event, request.response?.statusCode ?? 0, started.get(request));
    },
    onError: (request) => {
      const err = request.error;
      if (err instanceof DomainError && err.status < 500) {
        request.response = problemResponse(err);
      } else {
        // Unexpected: log the error class and message (never the request body) and hide details.
        log('error', 'unhandled error', {
          fn,
          requestId: request.event.requestContext?.requestId,
          error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
          stack: err instanceof Error ? err.stack?.split('\n').slice(0, 6).join(' | ') : undefined,
        });
        request.response = problemResponse(
          err instanceof DomainError
            ? err
            : new DomainError('internal-error', 'An unexpected error occurred; it has been logged'),
        );
      }
      accessLog(fn, request.event, request.response.statusCode, started.get(request));
      return request.response;
    },
  });
}

function accessLog(fn: string, event: APIGatewayProxyEvent, status: number, start: number | undefined): void {
  log('info', 'request', {
    fn,
    requestId: event.requestContext?.requestId,
    route: `${event.httpMethod} ${event.resource}`,
    status,
    ms: start === undefined ? undefined : Date.now() - start,
  });
}

/** Opaque list cursors (pure, in the kernel's domain): re-exported for the entry points that page. */
export { decodeCursor, encodeCursor, type CursorSeal } from '../domain/cursor';

/**
 * The caller's address, hashed: rate limits need a stable key per client, and the address itself is
 * personal data that must not be stored.
 */
export const callerOf = (req: HttpRequest): string =>
  createHash('sha256')
    .update(req.event.requestContext?.identity?.sourceIp ?? 'unknown')
    .digest('base64url')
    .slice(0, 22);
