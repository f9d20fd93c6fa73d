import { EmptyBody } from '../../../schemas/common';
import { CreatePaymentOrder, OrderRefundRequest, OrderToken, PaymentOrdersQuery } from '../../../schemas/orders';
import { callerOf, decodeCursor, encodeCursor, httpHandler, listCursors } from '../../shared/adapters/http';
import { invalidCursor } from '../../shared/domain/cursor';
import { DomainError } from '../../shared/domain/errors';
import { parseIdempotencyKey } from '../../shared/domain/idempotency';
import { parseWith } from '../../shared/domain/validate';
import { ordersContext } from '../wiring';

const { orders, cursors } = ordersContext();

/** A list position this route sealed: a business date and the last order's sort key. */
function positionOf(c: Record<string, unknown> | undefined): { date: string; after: string } | undefined {
  if (!c) return undefined;
  if (typeof c.date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(c.date) && typeof c.after === 'string')
    return { date: c.date, after: c.after };
  throw invalidCursor();
}

const tokenOf = (headers: Record<string, string>) => parseWith(OrderToken, headers['x-order-token']);

export const handler = httpHandler('orders', {
  'POST /v1/payment-orders': async (req) => ({
    status: 201,
    body: await orders.create(parseWith(CreatePaymentOrder, req.body), callerOf(req)),
  }),
  'GET /v1/payment-orders': async (req) => {
    const q = parseWith(PaymentOrdersQuery, req.query);
    const c = listCursors(req, cursors);
    const after = positionOf(decodeCursor(c.open(q.cursor)));
    const page = await orders.list({ ...q, after });
    return { status: 200, body: { items: page.items, nextCursor: c.seal(encodeCursor(page.next)) } };
  },
  'GET /v1/payment-orders/{orderId}': async (req) => ({
    status: 200,
    body: await orders.get(req.principal, req.params.orderId!, tokenOf(req.headers)),
  }),
  'POST /v1/payment-orders/{orderId}/cancel': async (req) => {
    parseWith(EmptyBody, req.body);
    return { status: 200, body: await orders.cancel(req.params.orderId!, tokenOf(req.headers)) };
  },
  'POST /v1/payment-orders/{orderId}/refunds': async (req) => {
    const key = parseIdempotencyKey(req.headers['idempotency-key']);
    const r = await orders.refund(req.principal, req.params.orderId!, parseWith(OrderRefundRequest, req.body), key);
    return { status: r.status, body: r.body, headers: r.replayed ? { 'idempotent-replayed': 'true' } : undefined };
  },
  // The body stays text until the provider adapter has checked its signature (docs/adr/0015).
  'POST /v1/payment-providers/{provider}/notifications': async (req) => {
    if (req.params.provider !== 'alipay') throw new DomainError('not-found', 'No such payment provider');
    if (typeof req.body !== 'string') throw new DomainError('unauthorized', 'A notification must be signed');
    const text = await orders.notified(req.body);
    return { status: 200, text, headers: { 'content-type': 'text/plain; charset=utf-8' } };
  },
});
