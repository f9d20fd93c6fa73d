import type { $ZodType } from 'zod/v4/core';
import type { BodyType, RouteKey } from './routes';

/** What the OpenAPI document says about one route; each context's schema module exports its own. */
export interface RouteDoc {
  summary: string;
  body?: $ZodType;
  /** Raw-text bodies (`text/csv`, form-encoded notifications) are documented as a string. */
  bodyType?: BodyType;
  /**
   * The path parameters as the handler checks them: an object schema with one property per
   * `{param}` of the route's path (a value outside it is a 400 or, for look-ups, the same 404 as a
   * missing item; the document says which values can exist).
   */
  params?: $ZodType;
  query?: $ZodType;
  response?: $ZodType;
  /** The success response is this plain text (a provider's acknowledgement, e.g. `success`). */
  textResponse?: string;
  /** The success response can also be CSV (content negotiation): documented as a string under text/csv. */
  csvResponse?: boolean;
  status?: number;
  /** Headers the success response carries (documented in schemas/openapi.ts); `required` when always sent. */
  responseHeaders?: ResponseHeaderUse[];
  /** Other success statuses the route answers (e.g. 200 when nothing changed, 304); `sameBody` reuses `response`. */
  alsoStatus?: { status: number; description: string; sameBody?: boolean; headers?: ResponseHeaderUse[] }[];
  /** Request headers the route reads, emitted as `in: header` parameters (e.g. Idempotency-Key). */
  headers?: HeaderDoc[];
  /**
   * Problem slugs this route may answer besides validation-failed. The generator adds the ones that
   * follow from the route itself: 401/403 from its access, 413/415 (and malformed-json) from its body,
   * api-key-required and rate-limited for API-key routes.
   */
  problems?: string[];
}

export type RouteDocs = Partial<Record<RouteKey, RouteDoc>>;

export interface HeaderDoc {
  name: string;
  required: boolean;
  description: string;
  schema: $ZodType;
}

/** The response headers the API documents (their schemas are in the generator, schemas/openapi.ts). */
export type ResponseHeaderName =
  | 'Idempotent-Replayed'
  | 'ETag'
  | 'Retry-After'
  | 'Cache-Control'
  | 'Vary'
  | 'X-Release'
  | 'Location'
  | 'X-Next-Cursor';
export type ResponseHeaderUse = ResponseHeaderName | { name: ResponseHeaderName; required: true };

/**
 * Builds a value on first use. Response shapes and route docs are read only by the OpenAPI document
 * and tests, so each schema module builds them in a `lazily` factory: a Lambda cold start constructs
 * only the request schemas it validates with (zod schema construction is CPU at import; see
 * docs/benchmarks.md, "Cold start").
 */
export function lazily<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}
