import { createHash } from 'node:crypto';
import { PayNotices, PaymentsQuery, ReceiptLookupQuery, RefundRequest, VerifyReceipt } from '../../../schemas/payments';
import { parseIdempotencyKey } from '../../shared/domain/idempotency';
import { config } from '../../shared/config';
import { idempotencyTable, rateLimitTable, theClock, theSigner } from '../../shared/wiring';
import { decodeCursor, encodeCursor, httpHandler, type HttpRequest, type HttpResponse } from '../../shared/adapters/http';
import { parseWith } from '../../shared/domain/validate';
import { Payments, type LookupLimiter } from '../domain/payments';
import { Receipts } from '../domain/receipts';
import { DynamoPaymentStore } from '../adapters/paymentsTable';

/** Per client (source IP) per minute; `RECEIPT_LOOKUP_LIMIT` / `ONLINE_PAYMENT_LIMIT` override. */
const limits = {
  'receipt-lookup': () => config().limits.receiptLookup,
  'online-payment': () => config().limits.onlinePayment,
};

const rateLimits = rateLimitTable();
const limiter: LookupLimiter = (scope, client) => rateLimits.enforce({ scope, client, limit: limits[scope](), windowSeconds: 60 });
const keys = { sign: (p: object) => theSigner().sign(p), jwks: () => theSigner().jwks() };
const store = new DynamoPaymentStore();
const payments = new Payments(store, idempotencyTable(), keys, limiter, theClock(), config().receiptIssuer);
const receipts = new Receipts(store, keys, limiter);

const clientOf = (req: HttpRequest) =>
  createHash('sha256').update(req.event.requestContext?.identity?.sourceIp ?? 'unknown').digest('base64url').slice(0, 22);

const idempotent = (r: { status: number; body: unknown; replayed: boolean }): HttpResponse => ({
  status: r.status,
  body: r.body,
  headers: r.replayed ? { 'idempotent-replayed': 'true' } : undefined,
});

export const handler = httpHandler('payments', {
  'POST /v1/payments': async (req) => {
    const key = parseIdempotencyKey(req.headers['idempotency-key']);
    return idempotent(await payments.pay(req.principal, parseWith(PayNotices, req.body), key, clientOf(req)));
  },
  'GET /v1/payments': async (req) => {
    const q = parseWith(PaymentsQuery, req.query);
    const page = await payments.listPayments({ ...q, after: decodeCursor(q.cursor) });
    return { status: 200, body: { items: page.items, nextCursor: encodeCursor(page.next) } };
  },
  'GET /v1/payments/{paymentId}': async (req) => ({ status: 200, body: await payments.getPayment(req.params.paymentId!) }),
  'POST /v1/payments/{paymentId}/refunds': async (req) => {
    const key = parseIdempotencyKey(req.headers['idempotency-key']);
    return idempotent(await payments.refund(req.principal, req.params.paymentId!, parseWith(RefundRequest, req.body), key));
  },
  'GET /v1/receipts/{receiptNo}': async (req) => ({
    status: 200,
    body: await receipts.get(req.params.receiptNo!, parseWith(ReceiptLookupQuery, req.query).checkCode, clientOf(req)),
  }),
  'POST /v1/receipts/verify': async (req) => ({ status: 200, body: await receipts.verify(parseWith(VerifyReceipt, req.body), clientOf(req)) }),
  'GET /v1/.well-known/jwks.json': async () => ({ status: 200, body: await receipts.jwks(), headers: { 'cache-control': 'public, max-age=300' } }),
});
