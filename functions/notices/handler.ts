import { createHash } from 'node:crypto';
import { CancelNotice, IssueNotice, NoticeListQuery, NoticeLookupQuery } from '../../schemas/notices';
import { decodeCursor, encodeCursor, httpHandler, type HttpRequest } from '../shared/adapters/http';
import { config } from '../shared/config';
import { rateLimitTable, theClock } from '../shared/wiring';
import { DynamoCatalogStore } from '../catalog/store';
import { parseWith } from '../shared/domain/validate';
import { Notices } from './notices';
import { DynamoNoticeStore } from './store';

/** Payer look-ups per client (source IP) per minute; `NOTICE_LOOKUP_LIMIT` overrides. */
const lookupLimit = () => config().limits.noticeLookup;
const rateLimits = rateLimitTable();

const catalog = new DynamoCatalogStore();
const notices = new Notices(
  new DynamoNoticeStore(),
  (code) => catalog.listVersions(code),
  (client) => rateLimits.enforce({ scope: 'notice-lookup', client, limit: lookupLimit(), windowSeconds: 60 }),
  theClock(),
);

/** The caller's address, hashed: the RateLimits table needs a stable key, not the address itself. */
const clientOf = (req: HttpRequest) =>
  createHash('sha256').update(req.event.requestContext?.identity?.sourceIp ?? 'unknown').digest('base64url').slice(0, 22);

export const handler = httpHandler('notices', {
  'POST /v1/notices': async (req) => ({ status: 201, body: await notices.issue(req.principal, parseWith(IssueNotice, req.body)) }),
  'GET /v1/notices': async (req) => {
    const q = parseWith(NoticeListQuery, req.query);
    const page = await notices.list(req.principal, { ...q, after: decodeCursor(q.cursor) });
    return { status: 200, body: { items: page.items, nextCursor: encodeCursor(page.next) } };
  },
  'GET /v1/notices/{noticeNo}': async (req) => {
    const q = parseWith(NoticeLookupQuery, req.query);
    return { status: 200, body: await notices.view(req.principal, req.params.noticeNo!, q.checkCode, clientOf(req)) };
  },
  'POST /v1/notices/{noticeNo}/cancel': async (req) => ({
    status: 200,
    body: await notices.cancel(req.principal, req.params.noticeNo!, parseWith(CancelNotice, req.body).reason),
  }),
});
