import type { TableName } from '../schemas/tables';

/**
 * The peak the deployed stack is sized for (issue 10): 10,000 payments per second, what the capacity
 * model carries (`npm run bench:capacity`, docs/benchmarks.md "Capacity", ADR 0014) and the account's
 * default API Gateway rate. PAYMENT_THROTTLE (infra/stack.ts) admits it on `POST /v1/payments`, and
 * PAYMENTS_RESERVED_CONCURRENCY (infra/functions.ts) runs it.
 */
export const PEAK_PAYMENTS_PER_SECOND = 10_000;

/**
 * Write units one card payment costs each table (and index), as `npm run bench:capacity` counts them
 * (third round: 14 in all; transactional writes at 2 per KB, index writes of a transaction counted
 * at the same rate). A new on-demand table takes 4,000 WRU/s at once and grows to twice its previous
 * peak at most every 30 minutes (DynamoDB developer guide, "Pre-warming a table for on-demand capacity
 * mode"): a first deadline peak would be throttled at 1,000 payments/s on Idempotency, 2,000 on the others.
 * So each is created with warm throughput for the peak (a one-time charge), WRU × peak, never below
 * the 4,000 a new table has anyway. Reads stay under a new table's 12,000 RRU/s: a payment reads one
 * notice and one idempotency record (1 RRU each).
 *
 * Idempotency, at 4, is at the default table quota of 40,000 WRU/s: above this peak, raise its
 * quota first (adjustable), then this figure. Online payments also write the Orders table,
 * whose peak is the orders' own and is not sized here.
 */
export const PAYMENT_WRITE_UNITS: Partial<Record<TableName, { table: number; indexes?: Record<string, number> }>> = {
  Notices: { table: 2 },
  Payments: { table: 2 },
  Receipts: { table: 2 },
  Ledger: { table: 2 },
  Audit: { table: 2 },
  Idempotency: { table: 4 },
};

/** What a new on-demand table or index takes at once (writes): warm throughput below it is moot. */
export const NEW_TABLE_WRITE_UNITS = 4_000;

/** The warm write throughput for `units` write units per payment at the peak. */
export const warmWritesFor = (units: number): number =>
  Math.max(NEW_TABLE_WRITE_UNITS, units * PEAK_PAYMENTS_PER_SECOND);
