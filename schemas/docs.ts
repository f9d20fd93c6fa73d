import type { z } from 'zod';
import type { RouteKey } from '../infra/routes';

/** What the OpenAPI document says about one route; each context's schema module exports its own. */
export interface RouteDoc {
  summary: string;
  body?: z.ZodType;
  /** `text/csv` bodies are documented as a string. */
  bodyType?: 'text/csv';
  query?: z.ZodType;
  response?: z.ZodType;
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
  schema: z.ZodType;
}
