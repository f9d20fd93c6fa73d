/**
 * The ceiling model of `npm run bench:capacity`: from what one payment costs (counted request by
 * request) and AWS's published limits, the sustained payments per second each limit allows, and the
 * one that binds first. Sources (retrieved 2026-12-01), recorded in docs/benchmarks.md "Capacity":
 * - DynamoDB partition: 3,000 RCU and 1,000 WCU per second per partition (not adjustable),
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html;
 *   the same per GSI partition.
 * - DynamoDB on-demand table: 40,000 RRU and 40,000 WRU per second per table (default, adjustable),
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html.
 * - KMS: 300 requests per second for cryptographic operations with ECC asymmetric keys (shared
 *   across the account and Region, adjustable), https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html.
 * - API Gateway: 10,000 requests per second per account and Region, burst 5,000 (adjustable),
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html.
 * - Lambda: 1,000 concurrent executions per account and Region (adjustable),
 *   https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html; sustained requests per
 *   second = concurrency / duration.
 */
export const LIMITS = {
  partitionWcu: 1_000,
  partitionRcu: 3_000,
  tableWru: 40_000,
  tableRru: 40_000,
  kmsEccRps: 300,
  apiGatewayRps: 10_000,
  lambdaConcurrency: 1_000,
  /**
   * Assumed duration of one payment invocation when deployed: two DynamoDB round trips (single-digit
   * milliseconds each, a transaction ≈ 10–20 ms) plus ≈ 5 ms of CPU; 50 ms leaves room.
   */
  paymentSeconds: 0.05,
} as const;

export interface PerPayment {
  /** WRU per payment on the most-written partition (table or index) of the payment path and the aggregator. */
  hottestPartitionWru: number;
  hottestPartitionRru: number;
  /** WRU and RRU per payment per table (indexes included: a conservative use of the table quota). */
  tableWru: Record<string, number>;
  tableRru: Record<string, number>;
  kmsCalls: number;
}

export interface Ceiling {
  limit: string;
  paymentsPerSecond: number;
}

export function ceilings(p: PerPayment): Ceiling[] {
  const per = (capacity: number, cost: number) => (cost > 0 ? capacity / cost : Number.POSITIVE_INFINITY);
  const out: Ceiling[] = [
    {
      limit: 'DynamoDB 1,000 WCU/s on the hottest partition',
      paymentsPerSecond: per(LIMITS.partitionWcu, p.hottestPartitionWru),
    },
    {
      limit: 'DynamoDB 3,000 RCU/s on the hottest partition',
      paymentsPerSecond: per(LIMITS.partitionRcu, p.hottestPartitionRru),
    },
    { limit: 'KMS 300 ECC requests/s', paymentsPerSecond: per(LIMITS.kmsEccRps, p.kmsCalls) },
    { limit: 'API Gateway 10,000 requests/s per account', paymentsPerSecond: LIMITS.apiGatewayRps },
    {
      limit: `Lambda 1,000 concurrent executions at ${LIMITS.paymentSeconds * 1000} ms a payment`,
      paymentsPerSecond: LIMITS.lambdaConcurrency / LIMITS.paymentSeconds,
    },
  ];
  for (const [table, wru] of Object.entries(p.tableWru))
    out.push({ limit: `DynamoDB 40,000 WRU/s on table ${table}`, paymentsPerSecond: per(LIMITS.tableWru, wru) });
  for (const [table, rru] of Object.entries(p.tableRru))
    out.push({ limit: `DynamoDB 40,000 RRU/s on table ${table}`, paymentsPerSecond: per(LIMITS.tableRru, rru) });
  return out.sort((a, b) => a.paymentsPerSecond - b.paymentsPerSecond);
}
