import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AUDIT_DAY_SHARDS,
  auditEventPut,
  auditKeys,
  auditShardOf,
} from '../../../functions/shared/adapters/auditTrail';
import { auditDateOf, auditEventId, sealAuditEvent } from '../../../functions/shared/domain/audit';
import { AuditEventParams } from '../../../schemas/audit';

/**
 * The audit event's storage (ADR 0017): one item under `AUDITDAY#<date>#<shard>` / `<id>`, no index
 * entry; the id carries its business date, so a proof finds the key from the id alone.
 */
const DATE = '2026-12-01';
const event = (id: string, date = DATE) =>
  sealAuditEvent({
    id,
    at: `${date}T01:02:03.004Z`,
    date,
    actor: { sub: 'clerk-1', role: 'clerk', window: 'W01' },
    action: 'POST /v1/payments',
    resource: '/v1/payments',
    outcome: 'committed',
    requestId: randomUUID(),
  });

describe('audit event ids carry their business date', () => {
  it('reads the date back from an id it made', () => {
    const id = auditEventId(DATE, randomUUID());
    expect(id).toMatch(/^20261201-[0-9a-f]{8}-/);
    expect(id).toHaveLength(45);
    expect(auditDateOf(id)).toBe(DATE);
  });

  it('finds no date in an id of another shape, or one whose date is no calendar date', () => {
    for (const id of [randomUUID(), `20260231-${randomUUID()}`, `2026120-${randomUUID()}`, 'x', ''])
      expect(auditDateOf(id), id).toBeUndefined();
  });

  it('the proof route takes the documented shape and a bare UUID (found nowhere), nothing else', () => {
    for (const id of [auditEventId(DATE, randomUUID()), randomUUID()])
      expect(AuditEventParams.safeParse({ id }).success, id).toBe(true);
    for (const id of ['not-an-id', `2026-12-01-${randomUUID()}`, `${auditEventId(DATE, randomUUID())}0`])
      expect(AuditEventParams.safeParse({ id }).success, id).toBe(false);
  });
});

describe('the event item', () => {
  it('is keyed by its day’s shard and its id, from the id alone', () => {
    const id = auditEventId(DATE, randomUUID());
    const shard = auditShardOf(id);
    expect(auditKeys.event(id)).toEqual({ pk: `AUDITDAY#${DATE}#${String(shard).padStart(2, '0')}`, sk: id });
    expect(auditKeys.event(randomUUID())).toBeUndefined();
    expect(auditKeys.event(`20260231-${randomUUID()}`)).toBeUndefined();
  });

  it('is put once, as one item with no index keys', () => {
    const e = event(auditEventId(DATE, randomUUID()));
    const put = auditEventPut('Audit', e);
    expect(put).toMatchObject({ TableName: 'Audit', ConditionExpression: 'attribute_not_exists(pk)' });
    expect(put.Item).toEqual({ ...auditKeys.event(e.id), ...e });
    expect(Object.keys(put.Item).filter((k) => k.startsWith('gsi'))).toEqual([]);
  });

  it('refuses an event whose id names no day, or another day than its own', () => {
    expect(() => auditEventPut('Audit', event(randomUUID()))).toThrow(/does not carry its date/);
    expect(() => auditEventPut('Audit', event(auditEventId('2026-11-30', randomUUID())))).toThrow(
      /does not carry its date/,
    );
  });

  it('spreads a day over every shard, none holding much more than its 1/32 share', () => {
    const counts = new Array<number>(AUDIT_DAY_SHARDS).fill(0);
    const n = 32_000;
    for (let i = 0; i < n; i++) counts[auditShardOf(auditEventId(DATE, randomUUID()))]!++;
    expect(Math.min(...counts)).toBeGreaterThan((n / AUDIT_DAY_SHARDS) * 0.85);
    expect(Math.max(...counts)).toBeLessThan((n / AUDIT_DAY_SHARDS) * 1.15);
  });
});
