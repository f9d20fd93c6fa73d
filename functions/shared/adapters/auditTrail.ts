import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomUUID } from 'node:crypto';
import type { AuditEvent, AuditEventBody } from '../domain/audit';
import type { Clock } from '../domain/clock';
import {
  auditDateOf,
  auditEventId,
  isRefusal,
  isStateChanging,
  outcomeOf,
  resourceOf,
  sealAuditEvent,
  type AuditActor,
} from '../domain/audit';
import type { Route } from '../../../schemas/routes';
import type { Item } from './dynamo';
import { log } from './log';

/**
 * The audit trail's write side (ADR 0017), in the kernel because every HTTP function writes it.
 *
 * The HTTP adapter opens a request scope (AsyncLocalStorage) holding the request's pending event.
 * The document client every adapter is built with (shared/wiring.ts) passes each write through
 * `auditedWrite`: the request's first write to a table that is not bookkeeping carries the event in
 * the same DynamoDB transaction (see ./auditedWrite.ts). A request that wrote nothing gets its event
 * written alone when its response is known (`finish`).
 *
 * The item layout is the audit context's too (functions/audit/adapters reads it from here):
 * - event: pk `AUDITDAY#<date>#<shard>`, sk `<id>`, one item and no index entry. A day is spread over
 *   AUDIT_DAY_SHARDS partitions by the id's hash, as the ledger's (ADR 0008): no hot key. The id
 *   carries the date (`<yyyymmdd>-<uuid>`), so the id alone gives the key (a proof's look-up).
 * - a closed day's signed root: pk `AUDITROOT#<date>`, sk `ROOT`.
 */
/**
 * 32 since issue 10: every payment writes one event (≤ 1 KB, 2 WRU in the payment's transaction); at
 * 10,000 payments/s a day's partition took 1,250 WCU/s with 16, over a partition's 1,000; with 32, ≈ 625.
 */
export const AUDIT_DAY_SHARDS = 32;
const pad = (n: number) => String(n).padStart(2, '0');

export const auditShardOf = (id: string): number => createHash('sha256').update(id).digest()[0]! % AUDIT_DAY_SHARDS;

export const auditKeys = {
  /** The event's key, from its id alone; undefined for an id that carries no date (no event has it). */
  event: (id: string): { pk: string; sk: string } | undefined => {
    const date = auditDateOf(id);
    return date === undefined ? undefined : { pk: auditKeys.dayShard(date, auditShardOf(id)), sk: id };
  },
  dayShard: (date: string, shard: number) => `AUDITDAY#${date}#${pad(shard)}`,
  dayRoot: (date: string) => ({ pk: `AUDITROOT#${date}`, sk: 'ROOT' }),
};

/** The audit event as an item: put only if new (IAM grants PutItem alone; nothing ever replaces one). */
export function auditEventPut(table: string, e: AuditEvent) {
  const key = auditKeys.event(e.id);
  // An id naming another day would file the event where its day's seal never reads it.
  if (!key || auditDateOf(e.id) !== e.date) throw new Error(`Audit event id ${e.id} does not carry its date ${e.date}`);
  return {
    TableName: table,
    Item: { ...key, ...e } as Item,
    ConditionExpression: 'attribute_not_exists(pk)',
  };
}

/** One request's audit state. */
export interface AuditScope {
  /** The event as known when the request started; `committed` once its first change carries it. */
  pending: Omit<AuditEventBody, 'outcome' | 'status'>;
  /**
   * The route's path with its `{param}` placeholders: the resource of a request that was not accepted,
   * whose parameters are whatever the caller typed (an id number in place of a notice number) and may
   * be personal data. An accepted request's parameters passed its handler's validation.
   */
  template: string;
  /** Whether the request is state-changing (its writes carry the event). Refusals of reads are written alone. */
  changes: boolean;
  written: boolean;
  /** A write carrying the event that has not returned yet: other writes of the request wait for it. */
  inFlight?: Promise<unknown>;
}

export interface AuditTrailSettings {
  /** Physical name of the Audit table. */
  table: () => string;
  /** Tables whose writes are bookkeeping, not the change (idempotency records, rate-limit counters, Audit). */
  bookkeeping: () => readonly string[];
  /**
   * Puts an event alone (conditional on it being new); resolves false when it is stored already.
   * Injected (./auditedWrite.ts `auditEventWriter`), so the HTTP adapter loads no AWS SDK itself.
   */
  putAlone: (event: AuditEvent) => Promise<boolean>;
  clock: () => Clock;
}

const store = new AsyncLocalStorage<AuditScope>();
const staging = new AsyncLocalStorage<true>();

/**
 * Runs writes that prepare the request's change without being it: content a later write makes
 * visible (a statement's chunks before its header) and idempotent indexes written ahead of it (the
 * ledger's day registry before a posting). They do not carry the request's event; the change does.
 * Without this, the first chunk or the registry would carry it, and a crash or a refused change
 * after it would leave an event for a change that never happened.
 */
export function stagingWrites<T>(fn: () => Promise<T>): Promise<T> {
  return staging.run(true, fn);
}

export const isStaging = (): boolean => staging.getStore() === true;
let settings: AuditTrailSettings | undefined;

/** Called once by the kernel's wiring; until then no function in this process writes audit events. */
export function configureAuditTrail(s: AuditTrailSettings): void {
  settings = s;
}

export const auditTrailSettings = (): AuditTrailSettings | undefined => settings;
export const currentAuditScope = (): AuditScope | undefined => store.getStore();

/** Runs `fn` (one request) inside its audit scope. */
export function withAuditScope<T>(scope: AuditScope, fn: () => Promise<T>): Promise<T> {
  return store.run(scope, fn);
}

/**
 * A request's scope: the event as far as it is known before the handler runs. Undefined when this
 * process has no audit trail (a unit test of the HTTP adapter without the kernel's wiring).
 */
export function openAuditScope(request: {
  route: Route;
  actor: AuditActor;
  params: Record<string, string>;
  requestId: string;
}): AuditScope | undefined {
  if (!settings) return undefined;
  const now = settings.clock().now();
  const date = settings.clock().dateOf(now);
  return {
    pending: {
      id: auditEventId(date, randomUUID()),
      at: now.toISOString(),
      date,
      actor: request.actor,
      action: `${request.route.method} ${request.route.path}`,
      resource: resourceOf(request.route.path, request.params),
      requestId: request.requestId,
    },
    template: request.route.path,
    changes: isStateChanging(request.route),
    written: false,
  };
}

/**
 * After the response is known: writes the event alone when the request is audited and no change
 * carried it (nothing written, a refusal, an error before any write). A failure to write it is
 * logged, not turned into a 5xx: nothing changed that the event would have to vouch for.
 */
export async function finishAuditScope(scope: AuditScope, status: number): Promise<void> {
  if (scope.inFlight) await scope.inFlight.catch(() => undefined);
  if (scope.written || !settings || !(scope.changes || isRefusal(status, scope.pending.actor))) return;
  const resource = status < 400 ? scope.pending.resource : scope.template;
  const event = sealAuditEvent({ ...scope.pending, resource, outcome: outcomeOf(status), status });
  try {
    // false: the event is stored already (a write of this request carried it, and its answer was lost).
    await settings.putAlone(event);
    scope.written = true;
  } catch (e) {
    log('error', 'audit event not written', {
      requestId: event.requestId,
      action: event.action,
      error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
    });
  }
}
