import { createHash } from 'node:crypto';
import { DomainError } from './errors';
import type { Principal } from './principal';

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
  claim(
    id: string,
    fingerprint: string,
    owner: string,
    nowMs: number,
  ): Promise<{ claimed: true } | { claimed: false; record: IdempotencyRecord }>;
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

export const idempotencyRecordId = (scope: string, key: string) =>
  `IDEM#${scope}#${createHash('sha256').update(key).digest('base64url')}`;

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
    throw new DomainError(
      'idempotency-in-progress',
      'A request with this Idempotency-Key is still in progress; retry later',
      undefined,
      { 'retry-after': '1' },
    );
  }
  try {
    return { ...(await execute(claim)), replayed: false };
  } catch (e) {
    await store.release(claim).catch(() => undefined); // the lease expires if even this fails
    throw e;
  }
}
