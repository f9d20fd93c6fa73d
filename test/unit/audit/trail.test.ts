import { describe, expect, it } from 'vitest';
import { verifyInclusion } from '../../../functions/audit/domain/merkle';
import { AuditTrail } from '../../../functions/audit/domain/trail';
import type { AuditDayRoot, AuditStore } from '../../../functions/audit/ports';
import { hashAuditEvent, sealAuditEvent, type AuditEvent } from '../../../functions/shared/domain/audit';
import { clockAt } from '../../../functions/shared/domain/clock';
import { JWS_TYPE, verifySigned } from '../../../functions/shared/domain/signing';
import { theSigner } from '../../../functions/shared/wiring';

/** An in-memory Audit table: what the trail reads, and a way to tamper with it as an intruder would. */
class MemoryAudit implements AuditStore {
  events = new Map<string, AuditEvent>();
  roots = new Map<string, AuditDayRoot>();
  async event(id: string) {
    return this.events.get(id);
  }
  async eventsOfDay(date: string) {
    return [...this.events.values()].filter((e) => e.date === date).sort((a, b) => a.at.localeCompare(b.at));
  }
  async findDayRoot(date: string) {
    return this.roots.get(date);
  }
  async storeDayRoot(r: AuditDayRoot) {
    if (!this.roots.has(r.date)) this.roots.set(r.date, r);
    return this.roots.get(r.date)!;
  }
}

const event = (n: number, date = '2026-03-31', extra: Partial<AuditEvent> = {}) =>
  sealAuditEvent({
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    at: `${date}T0${n % 10}:00:00.000Z`,
    date,
    actor: { sub: `clerk-${n}`, role: 'clerk', window: 'W01' },
    action: 'POST /v1/payments',
    resource: '/v1/payments',
    outcome: 'committed',
    requestId: `req-${n}`,
    ...extra,
  });

const signer = { sign: (p: object) => theSigner('dayProof').sign(p), jwks: () => theSigner('dayProof').jwks() };

function world(now: string) {
  const store = new MemoryAudit();
  for (let n = 1; n <= 5; n++) store.events.set(event(n).id, event(n));
  return { store, trail: new AuditTrail(store, signer, clockAt(now)) };
}

describe('the audit trail’s days', () => {
  it('does not seal a day before it has ended (and its last requests have ended too)', async () => {
    const { trail } = world('2026-04-01T00:05:00+08:00');
    await expect(trail.proof(event(1).id)).rejects.toMatchObject({ type: 'audit-day-open' });
    expect(await trail.verifyDay('2026-03-31')).toMatchObject({ ok: true, closed: false, count: 5 });
  });

  it('seals an ended day with a signed root and proves each event offline against it', async () => {
    const { trail } = world('2026-04-01T09:00:00+08:00');
    const jwks = await signer.jwks();
    for (let n = 1; n <= 5; n++) {
      const p = await trail.proof(event(n).id);
      expect(p.leaf).toBe(hashAuditEvent(p.event));
      expect(verifyInclusion(p.leaf, p.path, p.root)).toBe(true);
      expect(verifySigned(p.signature, jwks, JWS_TYPE.dayProof)).toEqual({
        trail: 'audit',
        date: '2026-03-31',
        root: p.root,
        count: 5,
      });
    }
    expect(await trail.verifyDay('2026-03-31')).toMatchObject({ ok: true, closed: true, count: 5, problems: [] });
  });

  it('detects an altered event, a missing one and an added one after the day was sealed', async () => {
    const { store, trail } = world('2026-04-01T09:00:00+08:00');
    await trail.verifyDay('2026-03-31');
    const altered = event(2);
    store.events.set(altered.id, { ...altered, actor: { ...altered.actor, sub: 'someone-else' } });
    const v1 = await trail.verifyDay('2026-03-31');
    expect(v1.ok).toBe(false);
    expect(v1.problems).toContain(`event ${altered.id} does not match its hash`);
    // Even with its hash recomputed, the altered event no longer fits the signed root.
    store.events.set(altered.id, sealAuditEvent({ ...altered, actor: { ...altered.actor, sub: 'someone-else' } }));
    expect((await trail.verifyDay('2026-03-31')).problems).toEqual([
      'the recomputed Merkle root differs from the signed root',
    ]);
    await expect(trail.proof(altered.id)).rejects.toMatchObject({ type: 'audit-proof-unavailable' });
    store.events.set(altered.id, altered);
    store.events.delete(event(4).id);
    expect((await trail.verifyDay('2026-03-31')).problems).toEqual([
      'the day has 4 events; its signed root counted 5',
      'the recomputed Merkle root differs from the signed root',
    ]);
    store.events.set(event(4).id, event(4));
    store.events.set(event(6).id, event(6));
    expect((await trail.verifyDay('2026-03-31')).ok).toBe(false);
  });

  it('detects a stored root that differs from what was signed', async () => {
    const { store, trail } = world('2026-04-01T09:00:00+08:00');
    await trail.verifyDay('2026-03-31');
    store.events.delete(event(5).id);
    const root = store.roots.get('2026-03-31')!;
    // An intruder stores the root and count without the deleted event, but cannot sign them.
    store.roots.set('2026-03-31', { ...root, root: (await trail.verifyDay('2026-03-31')).root, count: 4 });
    expect((await trail.verifyDay('2026-03-31')).problems).toEqual(['the stored root differs from what was signed']);
  });

  it('the scheduled close seals the recently ended days, and only once the last of them is ten minutes over', async () => {
    const early = world('2026-04-01T00:05:00+08:00');
    expect(await early.trail.sealEndedDays(2)).toEqual(['2026-03-30']);
    expect(early.store.roots.has('2026-03-31')).toBe(false);
    const { store, trail } = world('2026-04-01T00:15:00+08:00');
    expect(await trail.sealEndedDays(2)).toEqual(['2026-03-30', '2026-03-31']);
    expect(store.roots.get('2026-03-31')).toMatchObject({ count: 5 });
    // Sealed once: a second run finds the same roots.
    const first = store.roots.get('2026-03-31');
    await trail.sealEndedDays(2);
    expect(store.roots.get('2026-03-31')).toBe(first);
  });

  it('lists events oldest first across days, filtered, in keyset pages', async () => {
    const { store, trail } = world('2026-04-01T09:00:00+08:00');
    for (let n = 11; n <= 13; n++) store.events.set(event(n, '2026-04-01').id, event(n, '2026-04-01'));
    store.events.set(event(14, '2026-04-01').id, event(14, '2026-04-01', { action: 'POST /v1/notices' }));
    const all: string[] = [];
    let after: { date: string; at: string; id: string } | undefined;
    do {
      const page = await trail.list({
        from: '2026-03-31',
        to: '2026-04-01',
        action: 'POST /v1/payments',
        limit: 3,
        after,
      });
      all.push(...page.items.map((e) => e.requestId));
      after = page.next;
    } while (after);
    expect(all).toEqual(['req-1', 'req-2', 'req-3', 'req-4', 'req-5', 'req-11', 'req-12', 'req-13']);
    expect((await trail.list({ actor: 'clerk-12' })).items.map((e) => e.requestId)).toEqual(['req-12']);
    await expect(trail.list({ from: '2026-01-01', to: '2026-04-01' })).rejects.toMatchObject({
      type: 'validation-failed',
    });
  });
});
