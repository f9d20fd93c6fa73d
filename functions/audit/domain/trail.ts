import { hashAuditEvent, type AuditEvent } from '../../shared/domain/audit';
import { DomainError } from '../../shared/domain/errors';
import type { AuditDayRoot, AuditStore, Clock, Signer } from '../ports';
import { checkAuditDay, CLOSE_GRACE_MS, rootOfEvents, signedRootPayload, type AuditDayVerdict } from './days';
import { inclusionProof, verifyInclusion, type ProofStep } from './merkle';

export interface AuditFilter {
  from?: string;
  to?: string;
  actor?: string;
  resource?: string;
  action?: string;
}

/** At most this many days in one listing: each day is read whole (as the ledger's days are). */
export const MAX_LISTING_DAYS = 31;

const DAY_MS = 86_400_000;
const nextDate = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

const matches = (e: AuditEvent, f: AuditFilter) =>
  (!f.actor || e.actor.sub === f.actor) &&
  (!f.action || e.action === f.action) &&
  (!f.resource || e.resource === f.resource || e.resource.startsWith(`${f.resource}/`));

export interface EventProof {
  event: AuditEvent;
  date: string;
  leaf: string;
  path: ProofStep[];
  root: string;
  count: number;
  signature: string;
}

/** The auditor's side of the trail: listing, day close (signed Merkle root), inclusion proofs, verification. */
export class AuditTrail {
  constructor(
    private readonly store: AuditStore,
    private readonly signer: Signer,
    private readonly clock: Clock,
  ) {}

  /** Events from `from` to `to` (business dates, default today), oldest first, keyset-paged by (date, at, id). */
  async list(f: AuditFilter & { limit?: number; after?: { date: string; at: string; id: string } }) {
    const to = f.to ?? this.clock.today();
    const from = f.from ?? to;
    if (from > to)
      throw new DomainError('validation-failed', 'from is after to', [{ path: 'from', message: 'after to' }]);
    if ((Date.parse(to) - Date.parse(from)) / DAY_MS >= MAX_LISTING_DAYS)
      throw new DomainError('validation-failed', `At most ${MAX_LISTING_DAYS} days at a time`, [
        { path: 'to', message: `at most ${MAX_LISTING_DAYS} days after from` },
      ]);
    const limit = f.limit ?? 50;
    const items: AuditEvent[] = [];
    const after = f.after;
    for (let date = after && after.date > from ? after.date : from; date <= to; date = nextDate(date)) {
      const day = (await this.store.eventsOfDay(date)).filter(
        (e) =>
          matches(e, f) && (!after || date > after.date || e.at > after.at || (e.at === after.at && e.id > after.id)),
      );
      items.push(...day);
      if (items.length > limit) break;
    }
    const page = items.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page,
      next: items.length > limit && last ? { date: last.date, at: last.at, id: last.id } : undefined,
    };
  }

  /** Whether every request that started on `date` has ended (the day can be sealed). */
  private isOver(date: string): boolean {
    return this.clock.dateOf(new Date(this.clock.now().getTime() - CLOSE_GRACE_MS)) > date;
  }

  /** The day's signed root, sealing the day first when it is over and not yet sealed; undefined while it is open. */
  async closeDay(date: string): Promise<AuditDayRoot | undefined> {
    const found = await this.store.findDayRoot(date);
    if (found || !this.isOver(date)) return found;
    const { root, count } = rootOfEvents(await this.store.eventsOfDay(date));
    const signature = await this.signer.sign(signedRootPayload({ date, root, count }));
    return this.store.storeDayRoot({ date, root, count, signature, closedAt: this.clock.now().toISOString() });
  }

  /**
   * The day close of the schedule (entry/schedule.ts): seals each of the last `days` business days
   * that is over and not sealed yet, so a day is sealed minutes after it ends, not when first asked.
   */
  async sealEndedDays(days = 3): Promise<string[]> {
    const sealed: string[] = [];
    const today = this.clock.today();
    for (let n = days; n >= 1; n--) {
      const date = new Date(Date.parse(`${today}T00:00:00Z`) - n * DAY_MS).toISOString().slice(0, 10);
      if (await this.closeDay(date)) sealed.push(date);
    }
    return sealed;
  }

  async proof(id: string): Promise<EventProof> {
    const event = await this.store.event(id);
    if (!event) throw new DomainError('not-found', 'No such audit event');
    const sealed = await this.closeDay(event.date);
    if (!sealed)
      throw new DomainError(
        'audit-day-open',
        `Events of ${event.date} are sealed ${CLOSE_GRACE_MS / 60000} minutes after the day ends`,
      );
    const leaves = (await this.store.eventsOfDay(event.date)).map((e) => hashAuditEvent(e));
    const leaf = hashAuditEvent(event);
    const path = inclusionProof(leaves, leaf);
    // The event is stored but its leaf is not under the signed root: the day was altered since it was sealed.
    if (!path || !verifyInclusion(leaf, path, sealed.root))
      throw new DomainError('audit-proof-unavailable', 'The event is not in its day’s signed tree; verify the day');
    return { event, date: event.date, leaf, path, root: sealed.root, count: sealed.count, signature: sealed.signature };
  }

  async verifyDay(date: string): Promise<AuditDayVerdict> {
    const sealed = await this.closeDay(date);
    const events = await this.store.eventsOfDay(date);
    return checkAuditDay(events, sealed, sealed ? await this.signer.jwks() : undefined);
  }
}
