import { AuditDayParams, AuditEventParams, AuditEventsQuery } from '../../../schemas/audit';
import { decodeCursor, encodeCursor, httpHandler, listCursors } from '../../shared/adapters/http';
import { parseWith } from '../../shared/domain/validate';
import { auditContext } from '../wiring';

const { trail, cursors } = auditContext();

export const handler = httpHandler('audit', {
  'GET /v1/audit-events': async (req) => {
    const q = parseWith(AuditEventsQuery, req.query);
    const c = listCursors(req, cursors);
    const after = decodeCursor(c.open(q.cursor)) as { date: string; at: string; id: string } | undefined;
    const page = await trail.list({ ...q, after });
    return { status: 200, body: { items: page.items, nextCursor: c.seal(encodeCursor(page.next)) } };
  },
  'GET /v1/audit-events/{id}/proof': async (req) => ({
    status: 200,
    body: await trail.proof(parseWith(AuditEventParams, req.params).id),
  }),
  'GET /v1/audit/days/{date}/verify': async (req) => ({
    status: 200,
    body: await trail.verifyDay(parseWith(AuditDayParams, req.params).date),
  }),
});
