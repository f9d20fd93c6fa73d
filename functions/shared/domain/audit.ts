import { createHash } from 'node:crypto';
import type { Route } from '../../../schemas/routes';
import type { Principal } from './principal';

/**
 * The audit event (docs/API.md "Audit trail", ADR 0017): who called which route, what it touched and
 * how it ended. Pure: the kernel's audit trail adapter writes it (in the transaction of the change it
 * records), the audit context reads, proves and verifies it.
 *
 * No personal data: the actor is the token's subject and scope, the resource is the route's path with
 * its parameters (document numbers and ids, never a payer's name, id number or phone), and nothing of
 * the request or response body is kept.
 */
export type AuditOutcome =
  /** Written in the same DynamoDB transaction as the request's first change: the change committed. */
  | 'committed'
  /** 2xx and the request changed nothing (an idempotent replay, a verification). */
  | 'succeeded'
  /** 401 or 403 to a signed-in caller. */
  | 'refused'
  /** Another 4xx: nothing was written. */
  | 'rejected'
  /** 5xx: nothing was written. */
  | 'failed';

export interface AuditActor {
  sub: string;
  role: Principal['role'];
  dept?: string;
  window?: string;
}

export interface AuditEvent {
  id: string;
  at: string;
  /** The business date of `at` (the day whose Merkle tree holds the event). */
  date: string;
  actor: AuditActor;
  /** The route, e.g. `POST /v1/payments`. */
  action: string;
  /**
   * The route's path with its parameters filled in (`/v1/notices/N1/cancel`) when the request was
   * accepted; the path with its placeholders when it was refused or rejected (the caller's parameters
   * were not validated and could be anything, personal data included).
   */
  resource: string;
  outcome: AuditOutcome;
  /** The HTTP status, when the event is written after the response is known (not for `committed`). */
  status?: number;
  /**
   * For a `committed` event: the keys of the items its transaction wrote (bookkeeping tables aside),
   * e.g. `NOTICE#<noticeNo>`, `PDAY#<date>#<shard>/PAY#<paymentId>` (partition and sort key when the
   * item shares its partition): what a create touched, which its path cannot name. Keys are document numbers and ids, never personal data (the privacy test scans the table).
   */
  touched?: string[];
  requestId: string;
  /** SHA-256 (hex) of the canonical form of every field above: the leaf of the day's Merkle tree. */
  hash: string;
}

export type AuditEventBody = Omit<AuditEvent, 'hash'>;

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/**
 * An event id is `<yyyymmdd>-<uuid>`: its business date, then a UUID drawn once per request. The
 * event is stored under its day (ADR 0017, no index), so the id alone must name the day: a reader
 * finds the event's key from its id.
 */
export const AUDIT_EVENT_ID = new RegExp(`^(\\d{4})(\\d{2})(\\d{2})-${UUID}$`);

export const auditEventId = (date: string, uuid: string): string => `${date.replaceAll('-', '')}-${uuid}`;

/** The business date an event id carries; undefined for an id of any other shape, or no calendar date. */
export function auditDateOf(id: string): string | undefined {
  const m = AUDIT_EVENT_ID.exec(id);
  if (!m) return undefined;
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  const d = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(date) ? date : undefined;
}

/** Methods that change state: every route with one of these is audited, whatever its context. */
export const STATE_CHANGING_METHODS: readonly string[] = ['POST', 'PUT', 'PATCH', 'DELETE'];

export const isStateChanging = (route: Pick<Route, 'method'>): boolean =>
  STATE_CHANGING_METHODS.includes(route.method.toUpperCase());

/** 401 and 403 to a signed-in caller are audited on every route, reading ones included. */
export const isRefusal = (status: number, actor: Pick<AuditActor, 'role'>): boolean =>
  (status === 401 || status === 403) && actor.role !== 'anonymous';

export function outcomeOf(status: number): Exclude<AuditOutcome, 'committed'> {
  if (status === 401 || status === 403) return 'refused';
  if (status >= 500) return 'failed';
  if (status >= 400) return 'rejected';
  return 'succeeded';
}

export function actorOf(p: Principal): AuditActor {
  return { sub: p.sub, role: p.role, ...(p.dept ? { dept: p.dept } : {}), ...(p.window ? { window: p.window } : {}) };
}

/** The path with `{param}`s replaced by the request's values (encoded, so a value cannot fake a segment). */
export function resourceOf(path: string, params: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}

/**
 * The canonical form: the fields in a fixed order, absent optional fields as null, JSON-encoded.
 * Any change to a stored event (an edited field, an added one among these) changes its hash.
 */
export function canonicalAuditForm(e: AuditEventBody): string {
  return JSON.stringify([
    e.id,
    e.at,
    e.date,
    e.actor.sub,
    e.actor.role,
    e.actor.dept ?? null,
    e.actor.window ?? null,
    e.action,
    e.resource,
    e.outcome,
    e.status ?? null,
    e.requestId,
    e.touched ?? null,
  ]);
}

export const hashAuditEvent = (e: AuditEventBody): string =>
  createHash('sha256').update(canonicalAuditForm(e)).digest('hex');

export const sealAuditEvent = (e: AuditEventBody): AuditEvent => ({ ...e, hash: hashAuditEvent(e) });
