import { paymentKey } from '../../functions/payments/adapters';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyInclusion } from '../../functions/audit/domain/merkle';
import { auditKeys } from '../../functions/shared/adapters/auditTrail';
import { auditEventId, isStateChanging, type AuditEvent } from '../../functions/shared/domain/audit';
import { JWS_TYPE, verifySigned } from '../../functions/shared/domain/signing';
import { documentClient, tableName, theClock } from '../../functions/shared/wiring';
import { auditDocs } from '../../schemas/audit';
import { ROLES, routes, type Route } from '../../schemas/routes';
import { api, token, uniq } from '../support/api';
import { putAuditDay } from '../support/auditDay';

/**
 * The audit trail over HTTP (docs/API.md "Audit trail", ADR 0017). The routes audited are read from
 * the route table, so a state-changing route added later is covered here without a new test.
 */
const { AuditEvent: AuditEventSchema, AuditEventProof, AuditDayVerification } = auditDocs().schemas;
let auditor: string;

beforeAll(async () => {
  auditor = await token({ role: 'auditor', sub: `auditor-${uniq()}` });
});

async function eventsWhere(q: Record<string, string>): Promise<AuditEvent[]> {
  const items: AuditEvent[] = [];
  let cursor: string | null = null;
  do {
    const qs = new URLSearchParams({ ...q, limit: '500', ...(cursor ? { cursor } : {}) });
    const res: { status: number; body: any } = await api('GET', `/v1/audit-events?${qs}`, { token: auditor });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  for (const e of items) expect(AuditEventSchema.safeParse(e).success).toBe(true);
  return items;
}

/** A value for each path parameter that its schema accepts, unique per call where it can be. */
const sampleParam = (name: string): string =>
  name === 'date' ? '2026-03-31' : name === 'noticeNo' ? `${Date.now()}`.padEnd(20, '7') : `A${uniq()}`;

const mutating = (routes as readonly Route[]).filter(isStateChanging);

describe('every state-changing route leaves one audit event, derived from the route table', () => {
  it('covers every route of the table that is not a read', () => {
    const key = (r: Route) => `${r.method} ${r.path}`;
    expect(mutating.map(key)).toEqual((routes as readonly Route[]).filter((r) => r.method !== 'GET').map(key));
    expect(mutating.length).toBeGreaterThanOrEqual(18);
  });

  for (const route of mutating) {
    const key = `${route.method} ${route.path}`;
    it(`${key}: a refused or rejected request is recorded with its actor, route, resource and outcome`, async () => {
      const path = route.path.replace(/\{(\w+)\}/g, (_, n: string) => sampleParam(n));
      const access = route.access;
      if (access.kind === 'token' || access.kind === 'optional') {
        // A signed-in caller whose role may not call the route: 403, before any body is read.
        const role = ROLES.find((r) => !access.roles.includes(r))!;
        const sub = `audit-${uniq()}`;
        const res = await api(route.method, path, {
          token: await token({ role, sub, dept: 'D01', window: 'W01' }),
          body: {},
        });
        expect(res.status).toBe(403);
        const events = await eventsWhere({ actor: sub });
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({
          action: key,
          // Refused before its parameters were validated: the route's placeholders, not the caller's values.
          resource: route.path,
          outcome: 'refused',
          status: 403,
          actor: { sub, role },
        });
      } else {
        // Anyone may call it: an anonymous request with a body it rejects.
        const res = await api(route.method, path, { body: { unexpected: true } });
        expect(res.status).toBeGreaterThanOrEqual(400);
        const events = await eventsWhere({ action: key, resource: route.path });
        expect(events.some((e) => e.actor.role === 'anonymous' && e.status === res.status)).toBe(true);
      }
    });
  }
});

describe('audit events of real changes', () => {
  it('records a committed change once, with no personal data from the request', async () => {
    const adminSub = `admin-${uniq()}`;
    const admin = await token({ role: 'admin', sub: adminSub });
    const dept = `AU${uniq()}`;
    const fee = `AU-${uniq()}`;
    expect((await api('POST', '/v1/departments', { token: admin, body: { id: dept, name: '审计局' } })).status).toBe(
      201,
    );
    const feeRes = await api('POST', '/v1/fee-items', {
      token: admin,
      body: {
        code: fee,
        departmentId: dept,
        name: '审计费',
        category: 'administrative-fee',
        legalBasis: 'x',
        approvedBy: 'y',
        pricing: { kind: 'fixed', amount: 1234 },
      },
    });
    expect(feeRes.status).toBe(201);
    const deptSub = `dept-${uniq()}`;
    const payer = { name: '王审计', idType: 'resident-id', idNumber: '11010519491231002X', phone: '13800138000' };
    const notice = await api('POST', '/v1/notices', {
      token: await token({ role: 'department', dept, sub: deptSub }),
      body: { payer, lines: [{ feeCode: fee }] },
    });
    expect(notice.status).toBe(201);
    const clerkSub = `clerk-${uniq()}`;
    const paid = await api('POST', '/v1/payments', {
      token: await token({ role: 'clerk', window: 'W09', sub: clerkSub }),
      body: { noticeNos: [notice.body.noticeNo], channel: 'cash', amount: 1234 },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(paid.status).toBe(201);

    const adminEvents = await eventsWhere({ actor: adminSub });
    expect(adminEvents.map((e) => [e.action, e.resource, e.outcome])).toEqual([
      ['POST /v1/departments', '/v1/departments', 'committed'],
      ['POST /v1/fee-items', '/v1/fee-items', 'committed'],
    ]);
    const [noticeEvent] = await eventsWhere({ actor: deptSub });
    expect(noticeEvent).toMatchObject({
      action: 'POST /v1/notices',
      outcome: 'committed',
      actor: { role: 'department', dept },
    });
    const [payEvent, ...more] = await eventsWhere({ actor: clerkSub });
    expect(more).toEqual([]);
    expect(payEvent).toMatchObject({ action: 'POST /v1/payments', outcome: 'committed', actor: { window: 'W09' } });
    // What each create touched, which its path (`/v1/notices`, `/v1/payments`) cannot name.
    expect(noticeEvent!.touched).toEqual([`NOTICE#${notice.body.noticeNo}`]);
    expect(payEvent!.touched).toEqual(
      expect.arrayContaining([
        `NOTICE#${notice.body.noticeNo}`,
        `${paymentKey(paid.body.paymentId).pk}/PAY#${paid.body.paymentId}`,
        `RCPT#${paid.body.receipt.receiptNo}`,
      ]),
    );
    const text = JSON.stringify([noticeEvent, payEvent]);
    for (const personal of [payer.name, payer.idNumber, payer.phone, notice.body.checkCode])
      expect(text).not.toContain(personal);
  });

  it('records a 403 to a signed-in caller on a reading route too, and only auditors read the trail', async () => {
    const sub = `finance-${uniq()}`;
    const res = await api('GET', '/v1/audit-events', { token: await token({ role: 'finance', sub }) });
    expect(res.status).toBe(403);
    expect(await eventsWhere({ actor: sub })).toMatchObject([
      { action: 'GET /v1/audit-events', outcome: 'refused', status: 403 },
    ]);
    expect((await api('GET', '/v1/audit-events')).status).toBe(401);
  });

  it('filters by action and resource, and pages with a cursor', async () => {
    const sub = `admin-${uniq()}`;
    const admin = await token({ role: 'admin', sub });
    for (let i = 0; i < 3; i++)
      await api('POST', '/v1/departments', { token: admin, body: { id: `AP${uniq()}`, name: '部门' } });
    const first = await api(
      'GET',
      `/v1/audit-events?actor=${sub}&action=${encodeURIComponent('POST /v1/departments')}&limit=2`,
      {
        token: auditor,
      },
    );
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const next = await api(
      'GET',
      `/v1/audit-events?actor=${sub}&action=${encodeURIComponent('POST /v1/departments')}&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
      { token: auditor },
    );
    expect(next.body).toMatchObject({
      items: [expect.objectContaining({ actor: expect.objectContaining({ sub }) })],
      nextCursor: null,
    });
  });
});

describe('day roots, inclusion proofs and verification', () => {
  it('seals an ended day on first use; each event’s proof verifies offline against the signed root', async () => {
    const { date, events } = await putAuditDay(5);
    const jwks = (await api('GET', '/v1/ledger/jwks.json')).body;
    for (const e of events) {
      const res = await api('GET', `/v1/audit-events/${e.id}/proof`, { token: auditor });
      expect(res.status).toBe(200);
      expect(AuditEventProof.safeParse(res.body).success).toBe(true);
      expect(res.body).toMatchObject({ date, count: 5, event: { id: e.id, hash: e.hash } });
      expect(verifyInclusion(res.body.leaf, res.body.path, res.body.root)).toBe(true);
      expect(verifySigned(res.body.signature, jwks, JWS_TYPE.dayProof)).toEqual({
        trail: 'audit',
        date,
        root: res.body.root,
        count: 5,
      });
    }
    const v = await api('GET', `/v1/audit/days/${date}/verify`, { token: auditor });
    expect(v.body).toMatchObject({ ok: true, count: 5, closed: true, problems: [] });
    expect(AuditDayVerification.safeParse(v.body).success).toBe(true);
  });

  it('detects an event altered in DynamoDB, and one deleted', async () => {
    const { date, events } = await putAuditDay(4);
    const verify = () => api('GET', `/v1/audit/days/${date}/verify`, { token: auditor });
    expect((await verify()).body).toMatchObject({ ok: true, count: 4 });
    // Someone with table access (no function has UpdateItem or DeleteItem on Audit) edits and deletes.
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName('Audit'),
        Key: auditKeys.event(events[1]!.id)!,
        UpdateExpression: 'SET actor.#s = :s',
        ExpressionAttributeNames: { '#s': 'sub' },
        ExpressionAttributeValues: { ':s': 'someone-else' },
      }),
    );
    const altered = await verify();
    expect(altered.body.ok).toBe(false);
    expect(altered.body.problems).toContain(`event ${events[1]!.id} does not match its hash`);
    expect((await api('GET', `/v1/audit-events/${events[1]!.id}/proof`, { token: auditor })).body).toMatchObject({
      type: expect.stringMatching(/audit-proof-unavailable$/),
    });
    await documentClient().send(
      new DeleteCommand({ TableName: tableName('Audit'), Key: auditKeys.event(events[2]!.id)! }),
    );
    const missing = await verify();
    expect(missing.body).toMatchObject({ ok: false, count: 3 });
    expect(missing.body.problems).toContain('the day has 3 events; its signed root counted 4');
  });

  it('has no proof for a day still open, and no event for an unknown id', async () => {
    const sub = `admin-${uniq()}`;
    await api('POST', '/v1/departments', {
      token: await token({ role: 'admin', sub }),
      body: { id: `AO${uniq()}`, name: '部门' },
    });
    const [today] = await eventsWhere({ actor: sub });
    const open = await api('GET', `/v1/audit-events/${today!.id}/proof`, { token: auditor });
    expect(open.status).toBe(409);
    expect(open.body.type).toMatch(/audit-day-open$/);
    expect((await api('GET', `/v1/audit/days/${theClock().today()}/verify`, { token: auditor })).body).toMatchObject({
      ok: true,
      closed: false,
    });
    expect(today!.id).toMatch(new RegExp(`^${today!.date.replaceAll('-', '')}-`));
    // Not found: an id of the documented shape no event has, one whose date is no calendar date, and a
    // bare UUID (the shape before ids carried their date).
    for (const id of [auditEventId('2026-03-31', randomUUID()), `20260231-${randomUUID()}`, randomUUID()])
      expect((await api('GET', `/v1/audit-events/${id}/proof`, { token: auditor })).status, id).toBe(404);
    expect((await api('GET', '/v1/audit-events/not-an-id/proof', { token: auditor })).status).toBe(400);
  });
});
