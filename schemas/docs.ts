import type { $ZodType } from 'zod/v4/core';
import type { RouteKey } from './routes';

/** What the OpenAPI document says about one route; each context's schema module exports its own. */
export interface RouteDoc {
  summary: string;
  body?: $ZodType;
  /** `text/csv` bodies are documented as a string. */
  bodyType?: 'text/csv';
  query?: $ZodType;
  response?: $ZodType;
  status?: number;
  /** Other success statuses the route answers (e.g. 200 when nothing changed, 304); `sameBody` reuses `response`. */
  alsoStatus?: { status: number; description: string; sameBody?: boolean }[];
  /** Request headers the route reads, emitted as `in: header` parameters (e.g. Idempotency-Key). */
  headers?: HeaderDoc[];
  /** Problem slugs this route may answer besides validation-failed. */
  problems?: string[];
}

export type RouteDocs = Partial<Record<RouteKey, RouteDoc>>;

export interface HeaderDoc {
  name: string;
  required: boolean;
  description: string;
  schema: $ZodType;
}

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
