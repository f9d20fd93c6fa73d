import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DomainError } from '../domain/errors';
import {
  KEEP_SECONDS,
  LEASE_MS,
  type Claim,
  type IdempotencyRecord,
  type IdempotencyStore,
  type StoredResponse,
} from '../domain/idempotency';
import type { DocClient, TransactItem } from './dynamo';

/** The Idempotency table: one item `<record id>`/`IDEM` per key, expired by TTL (`expiresAt`). */
export const idempotencyKey = (id: string) => ({ pk: id, sk: 'IDEM' });
const keyOf = idempotencyKey;

export function recordOf(item: Record<string, unknown>): IdempotencyRecord {
  const stored = item.response as { status: number; json: string } | undefined;
  return {
    status: item.status as IdempotencyRecord['status'],
    fingerprint: item.fingerprint as string,
    owner: item.owner as string,
    leaseUntil: item.leaseUntil as number | undefined,
    response: stored ? { status: stored.status, body: JSON.parse(stored.json) as unknown } : undefined,
  };
}

export class IdempotencyTable implements IdempotencyStore {
  constructor(
    private readonly client: DocClient,
    private readonly table: string,
  ) {}

  async claim(id: string, fingerprint: string, owner: string, nowMs: number) {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: {
              ...keyOf(id),
              status: 'in-progress',
              fingerprint,
              owner,
              leaseUntil: nowMs + LEASE_MS,
              expiresAt: Math.floor(nowMs / 1000) + KEEP_SECONDS,
            },
            ConditionExpression: 'attribute_not_exists(pk) OR (#s = :inprog AND leaseUntil < :now)',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':inprog': 'in-progress', ':now': nowMs },
          }),
        );
        return { claimed: true as const };
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      }
      const got = await this.client.send(
        new GetCommand({ TableName: this.table, Key: keyOf(id), ConsistentRead: true }),
      );
      if (got.Item) return { claimed: false as const, record: recordOf(got.Item) };
      // released between our put and our read: try again
    }
    throw new DomainError(
      'idempotency-in-progress',
      'A request with this Idempotency-Key is still in progress; retry later',
    );
  }

  async release(claim: Claim): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.table,
          Key: keyOf(claim.id),
          ConditionExpression: '#s = :inprog AND #o = :owner',
          ExpressionAttributeNames: { '#s': 'status', '#o': 'owner' },
          ExpressionAttributeValues: { ':inprog': 'in-progress', ':owner': claim.owner },
        }),
      );
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
  }

  /**
   * Completes a claim on its own, for a use case whose effects are idempotent by themselves (accepting
   * a reconciliation). A claim that is no longer ours (its lease ran out and another request took it
   * over) is left alone: that request stores the same answer.
   */
  async complete(claim: Claim, response: StoredResponse, nowMs: number): Promise<void> {
    try {
      await this.client.send(new UpdateCommand(this.completionItem(claim, response, nowMs).Update!));
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
  }

  /** The TransactWriteItems entry that completes a claim; fails the transaction if the claim is no longer ours. */
  completionItem(claim: Claim, response: StoredResponse, nowMs: number): TransactItem {
    return {
      Update: {
        TableName: this.table,
        Key: keyOf(claim.id),
        UpdateExpression: 'SET #s = :done, #r = :resp, expiresAt = :exp REMOVE leaseUntil',
        ConditionExpression: '#s = :inprog AND #o = :owner',
        ExpressionAttributeNames: { '#s': 'status', '#o': 'owner', '#r': 'response' },
        ExpressionAttributeValues: {
          ':done': 'completed',
          ':inprog': 'in-progress',
          ':owner': claim.owner,
          // As JSON text: a DynamoDB map would not keep the field order of the first response.
          ':resp': { status: response.status, json: JSON.stringify(response.body) },
          ':exp': Math.floor(nowMs / 1000) + KEEP_SECONDS,
        },
      },
    };
  }

  /**
   * The TransactWriteItems entry that records a request as completed in the same transaction as its
   * effects, without a claim first (the payment path, ADR 0014): only if no record exists, or an
   * abandoned claim's lease ran out. The response is not stored: it is rebuilt from what the
   * transaction stored (the payment and its signed receipt), byte for byte; `owner` names it.
   */
  completedItem(r: { id: string; fingerprint: string; owner: string; nowMs: number }): TransactItem {
    return {
      Put: {
        TableName: this.table,
        Item: {
          ...keyOf(r.id),
          status: 'completed',
          fingerprint: r.fingerprint,
          owner: r.owner,
          expiresAt: Math.floor(r.nowMs / 1000) + KEEP_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(pk) OR (#s = :inprog AND leaseUntil < :now)',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':inprog': 'in-progress', ':now': r.nowMs },
      },
    };
  }
}
