import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DomainError } from '../domain/errors';
import type { DocClient } from './dynamo';

/**
 * Fixed-window rate limit kept in the RateLimits table: one counter item per (scope, client,
 * window), expired by TTL. Each client has its own key, so no key is shared by all callers.
 */
export class RateLimitTable {
  constructor(
    private readonly client: DocClient,
    private readonly table: string,
  ) {}

  /** Throws 429 `rate-limited` with Retry-After when the client is over its limit. */
  async enforce(opts: {
    scope: string;
    client: string;
    limit: number;
    windowSeconds: number;
    nowMs?: number;
  }): Promise<void> {
    const nowMs = opts.nowMs ?? Date.now();
    const windowStart = Math.floor(nowMs / 1000 / opts.windowSeconds) * opts.windowSeconds;
    const r = await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `RL#${opts.scope}#${opts.client}`, sk: String(windowStart) },
        UpdateExpression: 'ADD #c :one SET expiresAt = if_not_exists(expiresAt, :exp)',
        ExpressionAttributeNames: { '#c': 'count' },
        ExpressionAttributeValues: { ':one': 1, ':exp': windowStart + opts.windowSeconds * 2 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const count = (r.Attributes?.count as number | undefined) ?? 0;
    if (count > opts.limit) {
      const retryAfter = Math.max(1, windowStart + opts.windowSeconds - Math.floor(nowMs / 1000));
      throw new DomainError(
        'rate-limited',
        `At most ${opts.limit} requests per ${opts.windowSeconds} s; retry in ${retryAfter} s`,
        undefined,
        { 'retry-after': String(retryAfter) },
      );
    }
  }
}
