import { CancelNotice, IssueNotice, NoticeListQuery, NoticeLookupQuery } from '../../../schemas/notices';
import { callerOf, decodeCursor, encodeCursor, httpHandler, listCursors } from '../../shared/adapters/http';
import { parseWith } from '../../shared/domain/validate';
import { noticesContext } from '../wiring';

const { notices, cursors } = noticesContext();

export const handler = httpHandler('notices', {
  'POST /v1/notices': async (req) => ({
    status: 201,
    body: await notices.issue(req.principal, parseWith(IssueNotice, req.body)),
  }),
  'GET /v1/notices': async (req) => {
    const q = parseWith(NoticeListQuery, req.query);
    const c = listCursors(req, cursors);
    const page = await notices.list(req.principal, { ...q, after: decodeCursor(c.open(q.cursor)) });
    return { status: 200, body: { items: page.items, nextCursor: c.seal(encodeCursor(page.next)) } };
  },
  'GET /v1/notices/{noticeNo}': async (req) => {
    const q = parseWith(NoticeLookupQuery, req.query);
    return { status: 200, body: await notices.view(req.principal, req.params.noticeNo!, q.checkCode, callerOf(req)) };
  },
  'POST /v1/notices/{noticeNo}/cancel': async (req) => ({
    status: 200,
    body: await notices.cancel(req.principal, req.params.noticeNo!, parseWith(CancelNotice, req.body).reason),
  }),
});
