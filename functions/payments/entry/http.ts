import {
  PayNotices,
  PaymentsQuery,
  ReceiptLookupQuery,
  RefundRequest,
  VerifyReceipt,
  WindowDayParams,
} from '../../../schemas/payments';
import {
  callerOf,
  decodeCursor,
  encodeCursor,
  httpHandler,
  listCursors,
  type HttpResponse,
} from '../../shared/adapters/http';
import { parseIdempotencyKey } from '../../shared/domain/idempotency';
import { parseWith } from '../../shared/domain/validate';
import { paymentsContext } from '../wiring';

const { payments, receipts, windowDay, cursors } = paymentsContext();

const idempotent = (r: { status: number; body: unknown; replayed: boolean }): HttpResponse => ({
  status: r.status,
  body: r.body,
  headers: r.replayed ? { 'idempotent-replayed': 'true' } : undefined,
});

export const handler = httpHandler('payments', {
  'POST /v1/payments': async (req) => {
    const key = parseIdempotencyKey(req.headers['idempotency-key']);
    return idempotent(await payments.pay(req.principal, parseWith(PayNotices, req.body), key, callerOf(req)));
  },
  'GET /v1/payments': async (req) => {
    const q = parseWith(PaymentsQuery, req.query);
    const c = listCursors(req, cursors);
    const page = await payments.listPayments({ ...q, after: decodeCursor(c.open(q.cursor)) });
    return { status: 200, body: { items: page.items, nextCursor: c.seal(encodeCursor(page.next)) } };
  },
  'GET /v1/payments/{paymentId}': async (req) => ({
    status: 200,
    body: await payments.getPayment(req.params.paymentId!),
  }),
  'POST /v1/payments/{paymentId}/refunds': async (req) => {
    const key = parseIdempotencyKey(req.headers['idempotency-key']);
    const input = parseWith(RefundRequest, req.body);
    return idempotent(await payments.refund(req.principal, req.params.paymentId!, input, key));
  },
  'GET /v1/receipts/{receiptNo}': async (req) => ({
    status: 200,
    body: await receipts.get(req.params.receiptNo!, parseWith(ReceiptLookupQuery, req.query).checkCode, callerOf(req)),
  }),
  'GET /v1/notices/{noticeNo}/receipt': async (req) => ({
    status: 200,
    body: await receipts.ofNotice(
      req.params.noticeNo!,
      parseWith(ReceiptLookupQuery, req.query).checkCode,
      callerOf(req),
    ),
  }),
  'POST /v1/receipts/verify': async (req) => ({
    status: 200,
    body: await receipts.verify(parseWith(VerifyReceipt, req.body), callerOf(req)),
  }),
  'GET /v1/windows/{windowId}/days/{date}': async (req) => {
    const p = parseWith(WindowDayParams, req.params);
    return { status: 200, body: await windowDay(req.principal, p.windowId, p.date) };
  },
  'GET /v1/.well-known/jwks.json': async () => ({
    status: 200,
    body: await receipts.jwks(),
    headers: { 'cache-control': 'public, max-age=300' },
  }),
});
