import type { AuditEvent } from '../shared/domain/audit';
import type { Clock } from '../shared/domain/clock';
import type { Signer } from '../shared/domain/signing';

/** A closed audit day: the Merkle root over its event hashes and their count, signed at close. */
export interface AuditDayRoot {
  date: string;
  root: string;
  count: number;
  /** Compact JWS (typ day-proof+jwt, the day-proof key) over `{trail: "audit", date, root, count}`. */
  signature: string;
  closedAt: string;
}

/** What the audit trail's read side needs from the Audit table. Events are written by the kernel (ADR 0017). */
export interface AuditStore {
  event(id: string): Promise<AuditEvent | undefined>;
  /** Every event of a business day as stored now, ordered by `at` then id. */
  eventsOfDay(date: string): Promise<AuditEvent[]>;
  findDayRoot(date: string): Promise<AuditDayRoot | undefined>;
  /** Stores a day's root once; a second close of the same day gets the first root back. */
  storeDayRoot(root: AuditDayRoot): Promise<AuditDayRoot>;
}

export type { Clock, Signer };
