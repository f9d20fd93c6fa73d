import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { tableName } from '../../infra/tables';
import type { Principal } from './auth';
import { ddb, type DocClient } from './ddb';
import { DomainError } from './errors';

/**
 * Idempotency-Key for POSTs that move money (API.md "Idempotency"), see docs/adr/0004:
 *
 * 1. claim: a conditional put of an `in-progress` record holding the request fingerprint (hash of the
 *    principal and the canonical body) and an owner id; a second request under the key finds it;
 * 2. the use case writes its effects in ONE TransactWriteItems that also flips the record to
 *    `completed` with the response, conditional on the record still being ours and in progress;
 * 3. a failed attempt deletes its claim (conditional on owner and in-progress, so a committed one is
 *    never touched); a crashed one leaves a claim whose lease (LEASE_MS) expires, after which the same
 *    request may take it over.
 * Same key + same fingerprint: replay of the stored response (or 409 while in progress); another
 * fingerprint: 422. Records live at least 24 h (TTL attribute `expiresAt`, epoch seconds).
 */
export const LEASE_MS = 30_000;
export const KEEP_SECONDS = 25 * 60 * 60;

export interface StoredResponse {
  status: number;
  body: unknown;
}

export interface IdempotencyRecord {
  status: 'in-progress' | 'completed';
  fingerprint: string;
  owner: string;
  leaseUntil?: number;
  response?: StoredResponse;
}

/** A claim held by one request: the record id and the owner id the completion is conditional on. */
export interface Claim {
  id: string;
  owner: string;
}

export interface IdempotencyStore {
  /** Puts an in-progress record if none exists (or the existing claim's lease ran out); else returns it. */
  claim(id: string, fingerprint: string, owner: string, nowMs: number): Promise<{ claimed: true } | { claimed: false; record: IdempotencyRecord }>;
  /** Deletes the claim if it is still ours and in progress (a committed record is never touched). */
  release(claim: Claim): Promise<void>;
}

/** Keys sorted at every level, so the fingerprint does not depend on the client's field order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

export function fingerprintOf(principal: Principal, request: unknown): string {
  const who = { role: principal.role, sub: principal.sub, dept: principal.dept, window: principal.window };
  return createHash('sha256').update(canonicalJson({ who, request })).digest('hex');
}

export function parseIdempotencyKey(header: string | undefined): string {
  if (header === undefined || header.length < 1 || header.length > 255)
    throw new DomainError('idempotency-key-required', 'Send an Idempotency-Key header of 1-255 characters', [
      { path: 'Idempotency-Key', message: header === undefined ? 'required' : 'must be 1-255 characters' },
    ]);
  return header;
}

export const idempotencyRecordId = (scope: string, key: string) => `IDEM#${scope}#${createHash('sha256').update(key).digest('base64url')}`;

export interface IdempotentResult {
  status: number;
  body: unknown;
  replayed: boolean;
}

/**
 * Runs `execute` at most once per (scope, key). `execute` must commit `completion` atomically with its
 * effects and return the response it stored there.
 */
export async function idempotently(
  store: IdempotencyStore,
  opts: { scope: string; key: string; fingerprint: string; owner: string; nowMs: number },
  execute: (claim: Claim) => Promise<StoredResponse>,
): Promise<IdempotentResult> {
  const claim: Claim = { id: idempotencyRecordId(opts.scope, opts.key), owner: opts.owner };
  const r = await store.claim(claim.id, opts.fingerprint, claim.owner, opts.nowMs);
  if (!r.claimed) {
    if (r.record.fingerprint !== opts.fingerprint)
      throw new DomainError('idempotency-key-reused', 'This Idempotency-Key was used with a different request');
    if (r.record.status === 'completed' && r.record.response) return { ...r.record.response, replayed: true };
    throw new DomainError('idempotency-in-progress', 'A request with this Idempotency-Key is still in progress; retry later', undefined, { 'retry-after': '1' });
  }
  try {
    return { ...(await execute(claim)), replayed: false };
  } catch (e) {
    await store.release(claim).catch(() => undefined); // the lease expires if even this fails
    throw e;
  }
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const keyOf = (id: string) => ({ pk: id, sk: 'IDEM' });

function recordOf(item: Record<string, unknown>): IdempotencyRecord {
  const stored = item.response as { status: number; json: string } | undefined;
  return {
    status: item.status as IdempotencyRecord['status'],
    fingerprint: item.fingerprint as string,
    owner: item.owner as string,
    leaseUntil: item.leaseUntil as number | undefined,
    response: stored ? { status: stored.status, body: JSON.parse(stored.json) as unknown } : undefined,
  };
}

export class DynamoIdempotencyStore implements IdempotencyStore {
  private readonly table = tableName('Idempotency');
  constructor(private readonly client: DocClient = ddb()) {}

  async claim(id: string, fingerprint: string, owner: string, nowMs: number) {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...keyOf(id), status: 'in-progress', fingerprint, owner, leaseUntil: nowMs + LEASE_MS, expiresAt: Math.floor(nowMs / 1000) + KEEP_SECONDS },
            ConditionExpression: 'attribute_not_exists(pk) OR (#s = :inprog AND leaseUntil < :now)',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':inprog': 'in-progress', ':now': nowMs },
          }),
        );
        return { claimed: true as const };
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      }
      const got = await this.client.send(new GetCommand({ TableName: this.table, Key: keyOf(id), ConsistentRead: true }));
      if (got.Item) return { claimed: false as const, record: recordOf(got.Item) };
      // released between our put and our read: try again
    }
    throw new DomainError('idempotency-in-progress', 'A request with this Idempotency-Key is still in progress; retry later');
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
}
