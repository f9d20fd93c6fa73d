import { verifySigned, JWS_TYPE } from '../../shared/domain/signing';
import { hashAuditEvent, type AuditEvent } from '../../shared/domain/audit';
import type { JSONWebKeySet } from 'jose';
import type { AuditDayRoot } from '../ports';
import { merkleRoot } from './merkle';

/**
 * A day's events are sealed once the day is over and every request that started in it has ended: a
 * request's event belongs to the business date its request started on, and API Gateway cuts every
 * request at 29 s, so CLOSE_GRACE_MS past midnight no event of the day can still be on its way.
 */
export const CLOSE_GRACE_MS = 10 * 60 * 1000;

/** What the signature covers: `trail` tells an audit root from a ledger day proof signed by the same key. */
export const signedRootPayload = (r: Pick<AuditDayRoot, 'date' | 'root' | 'count'>) => ({
  trail: 'audit',
  date: r.date,
  root: r.root,
  count: r.count,
});

/** The root over what is stored now, each leaf recomputed from the event's fields (not its `hash`). */
export function rootOfEvents(events: readonly AuditEvent[]): { root: string; count: number } {
  return { root: merkleRoot(events.map((e) => hashAuditEvent(e))), count: events.length };
}

export interface AuditDayVerdict {
  ok: boolean;
  root: string;
  count: number;
  /** Whether the day is closed (its root signed); an open day can show altered events, not missing ones. */
  closed: boolean;
  problems: string[];
}

/**
 * Checks the stored events: each against its own hash (an altered field), and for a closed day the
 * recomputed root and count against the signed root (an altered, missing or added event) and the
 * signature against the day-proof keys.
 */
export function checkAuditDay(
  events: readonly AuditEvent[],
  sealed: AuditDayRoot | undefined,
  jwks: JSONWebKeySet | undefined,
): AuditDayVerdict {
  const problems: string[] = [];
  for (const e of events) if (hashAuditEvent(e) !== e.hash) problems.push(`event ${e.id} does not match its hash`);
  const { root, count } = rootOfEvents(events);
  if (sealed) {
    if (count !== sealed.count) problems.push(`the day has ${count} events; its signed root counted ${sealed.count}`);
    if (root !== sealed.root) problems.push('the recomputed Merkle root differs from the signed root');
    const signed = jwks && verifySigned<Record<string, unknown>>(sealed.signature, jwks, JWS_TYPE.dayProof);
    if (!signed) problems.push('the root’s signature does not verify against the published keys');
    else if (JSON.stringify(signed) !== JSON.stringify(signedRootPayload(sealed)))
      problems.push('the stored root differs from what was signed');
  }
  return { ok: problems.length === 0, root, count, closed: sealed !== undefined, problems };
}
