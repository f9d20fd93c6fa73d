import * as z from 'zod';

/** Shared building blocks of the API contract. Request objects are strict: unknown fields are rejected. */

/** Integer fen (CNY minor unit). Never a float; bounded so sums stay exact in a JS number. */
export const Fen = z
  .number()
  .int('must be an integer number of fen')
  .min(0)
  .max(1_000_000_000_000, 'too large')
  .meta({ description: 'Amount in fen (1/100 CNY), an integer' });
export const PositiveFen = Fen.refine((n) => n > 0, 'must be positive');

export const BusinessDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
  }, 'not a calendar date')
  .meta({ description: 'Business date in the centre time zone' });

export const Timestamp = z.string().meta({ description: 'ISO 8601 UTC timestamp' });

export const DepartmentId = z.string().regex(/^[A-Z][A-Z0-9]{1,15}$/, 'must be 2-16 upper-case letters or digits, starting with a letter');

export const Limit = z.coerce.number().int().min(1).max(500).default(50);

export const ListQuery = z.strictObject({ limit: Limit.optional(), cursor: z.string().max(2048).optional() });

export const listOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

export const IdempotencyKey = z.string().min(1).max(255);

/** The body of a POST that takes none: absent or `{}`; like every request body, unknown fields are rejected. */
export const EmptyBody = z.strictObject({}).optional();

/** The Idempotency-Key header of the money-moving POSTs (API.md "Idempotency"), as the OpenAPI document lists it. */
export const idempotencyKeyHeader = (required: boolean, note = '') => ({
  name: 'Idempotency-Key',
  required,
  description:
    'Same key and same body: the first response is replayed (same status and body, Idempotent-Replayed: true); same key, another body: 422 idempotency-key-reused; still in flight: 409 idempotency-in-progress. Keys are kept at least 24 hours.' +
    note,
  schema: IdempotencyKey,
});
