import * as z from 'zod/mini';
import { BusinessDate, Cursor, Limit } from './common';
import { lazily, type RouteDocs } from './docs';

export const AuditEventsQuery = z.strictObject({
  from: z.optional(BusinessDate),
  to: z.optional(BusinessDate),
  actor: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  resource: z.optional(z.string().check(z.minLength(1), z.maxLength(500))),
  action: z.optional(z.string().check(z.minLength(1), z.maxLength(300))),
  limit: z.optional(Limit),
  cursor: z.optional(Cursor),
});

/**
 * An event id as the proof route takes it: `<yyyymmdd>-<uuid>` (the kernel draws one per request,
 * functions/shared/domain/audit.ts), or a bare UUID, the shape ids had before they carried their
 * date: still a well-formed request, answered 404 like any id no event has.
 */
export const AUDIT_EVENT_ID_PARAM = /^(?:\d{8}-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const AuditEventParams = z.strictObject({
  id: z.string().check(z.maxLength(45), z.regex(AUDIT_EVENT_ID_PARAM)),
});
export const AuditDayParams = z.strictObject({ date: BusinessDate });

/** Response shapes and route docs, built on first use (OpenAPI document, tests), not at cold start. */
export const auditDocs = lazily(() => {
  const AuditEvent = z
    .object({
      id: z.string().check(z.meta({ description: '`<yyyymmdd>-<uuid>`: the event’s business date, then a UUID' })),
      at: z.string(),
      date: BusinessDate,
      actor: z.object({
        sub: z.string(),
        role: z.string(),
        dept: z.optional(z.string()),
        window: z.optional(z.string()),
      }),
      action: z.string().check(z.meta({ description: 'the route, e.g. `POST /v1/payments`' })),
      resource: z.string().check(
        z.meta({
          description:
            'the route’s path with its parameters filled in; with its placeholders when the request was refused or rejected (unvalidated parameters are not kept)',
        }),
      ),
      outcome: z.enum(['committed', 'succeeded', 'refused', 'rejected', 'failed']).check(
        z.meta({
          description:
            '`committed`: written in the transaction of the request’s change; otherwise written alone once the response was known',
        }),
      ),
      status: z.optional(z.int()),
      touched: z.optional(
        z.array(z.string()).check(
          z.meta({
            description:
              'for a committed event: the keys of the items its transaction wrote (e.g. `NOTICE#<noticeNo>`), what a create touched',
          }),
        ),
      ),
      requestId: z.string(),
      hash: z.string().check(z.meta({ description: 'SHA-256 (hex) of the canonical form: the Merkle leaf' })),
    })
    .check(z.meta({ id: 'AuditEvent' }));
  const ProofStep = z.object({ side: z.enum(['left', 'right']), hash: z.string() });
  const AuditEventProof = z
    .object({
      event: AuditEvent,
      date: BusinessDate,
      leaf: z.string(),
      path: z.array(ProofStep),
      root: z.string(),
      count: z.int(),
      signature: z.string().check(
        z.meta({
          description:
            'compact JWS (typ day-proof+jwt) over {trail: "audit", date, root, count}; keys at GET /v1/ledger/jwks.json',
        }),
      ),
    })
    .check(z.meta({ id: 'AuditEventProof' }));
  const AuditDayVerification = z
    .object({ ok: z.boolean(), root: z.string(), count: z.int(), closed: z.boolean(), problems: z.array(z.string()) })
    .check(z.meta({ id: 'AuditDayVerification' }));
  const routes: RouteDocs = {
    'GET /v1/audit-events': {
      summary: 'Audit events of business days from `from` to `to` (default today, at most 31 days), oldest first',
      query: AuditEventsQuery,
      response: z.object({ items: z.array(AuditEvent), nextCursor: z.nullable(z.string()) }),
      problems: ['validation-failed'],
    },
    'GET /v1/audit-events/{id}/proof': {
      summary: 'Inclusion proof of an event in its day’s Merkle tree, with the signed root (once the day is sealed)',
      params: AuditEventParams,
      response: AuditEventProof,
      problems: ['validation-failed', 'not-found', 'audit-day-open', 'audit-proof-unavailable'],
    },
    'GET /v1/audit/days/{date}/verify': {
      summary: 'Recompute a day’s events against their hashes and, once sealed, its signed root',
      params: AuditDayParams,
      response: AuditDayVerification,
      problems: ['validation-failed'],
    },
  };
  return { schemas: { AuditEvent, AuditEventProof, AuditDayVerification }, routes };
});
