import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { lazily } from './docs';

// The request schemas use zod/mini (the functional API): classic zod's module costs ≈ 8 ms of CPU at
// every cold start, mini's ≈ 1 ms (docs/benchmarks.md, "Cold start"). Mini loads no locale by
// itself; the English messages are the contract's (API.md error examples), so load them here, where
// every schema module comes through.
z.config(en());

/** Shared building blocks of the API contract. Request objects are strict: unknown fields are rejected. */

/** Integer fen (CNY minor unit). Never a float; bounded so sums stay exact in a JS number. */
export const Fen = z
  .number()
  .check(
    z.int('must be an integer number of fen'),
    z.gte(0),
    z.lte(1_000_000_000_000, 'too large'),
    z.meta({ description: 'Amount in fen (1/100 CNY), an integer' }),
  );
export const PositiveFen = Fen.check(z.refine((n) => n > 0, 'must be positive'));

export const BusinessDate = z.string().check(
  z.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'),
  z.refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
  }, 'not a calendar date'),
  // maxLength restates the pattern for the document (OWASP API4: every string bounded), without a second message.
  z.meta({ description: 'Business date in the centre time zone', maxLength: 10 }),
);

export const Timestamp = z.string().check(z.meta({ description: 'ISO 8601 UTC timestamp' }));

export const DepartmentId = z
  .string()
  .check(
    z.regex(/^[A-Z][A-Z0-9]{1,15}$/, 'must be 2-16 upper-case letters or digits, starting with a letter'),
    z.meta({ maxLength: 16 }),
  );

export const FeeCode = z
  .string()
  .check(
    z.regex(/^[A-Z0-9][A-Z0-9-]{1,31}$/, 'must be 2-32 upper-case letters, digits or dashes'),
    z.meta({ maxLength: 32 }),
  );

/** Trimmed, non-empty text of at most `max` characters. */
export const text = (max: number, required?: string) =>
  z.string().check(z.trim(), z.minLength(1, required), z.maxLength(max));

export const Limit = z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(500)), 50);

export const Cursor = z.string().check(z.maxLength(2048));

export const ListQuery = z.strictObject({ limit: z.optional(Limit), cursor: z.optional(Cursor) });

export const listOf = <T extends z.ZodMiniType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.nullable(z.string()) });

/** Built on first use: only the OpenAPI document reads it. */
export const Problem = lazily(() =>
  z
    .object({
      type: z.string(),
      title: z.string(),
      status: z.int(),
      detail: z.string(),
      errors: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
      /** notice-payment-pending: when the online payment order holding the notice ends. */
      expiresAt: z.optional(z.string()),
    })
    .check(z.meta({ id: 'Problem', description: 'RFC 9457 problem details' })),
);

export const IdempotencyKey = z.string().check(z.minLength(1), z.maxLength(255));

/** The body of a POST that takes none: absent or `{}`; like every request body, unknown fields are rejected. */
export const EmptyBody = z.optional(z.strictObject({}));

/** The Idempotency-Key header of the money-moving POSTs (API.md "Idempotency"), as the OpenAPI document lists it. */
export const idempotencyKeyHeader = (required: boolean, note = '') => ({
  name: 'Idempotency-Key',
  required,
  description:
    'Same key and same body: the first response is replayed (same status and body, Idempotent-Replayed: true); same key, another body: 422 idempotency-key-reused; still in flight: 409 idempotency-in-progress. Keys are kept at least 24 hours.' +
    note,
  schema: IdempotencyKey,
});
