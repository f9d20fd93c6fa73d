import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { noticePending, sameCode, statusOn, type NoticeRecord } from '../../notices';
import { DomainError } from '../../shared/domain/errors';
import type { OrderRecord, OrderStatus } from '../ports';

/** The pure rules of payment orders: who may see one, which notices may be ordered, what a view shows. */

/** An order id: `O`, the business date and 20 random base32 characters; also the provider's out_trade_no. */
export const ORDER_ID = /^O\d{8}[0-9A-Z]{20}$/;
export const isOrderId = (s: string): boolean => ORDER_ID.test(s);

const BASE32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export function newOrderId(businessDate: string): string {
  let s = '';
  for (const b of randomBytes(20)) s += BASE32[b & 31];
  return `O${businessDate.replaceAll('-', '')}${s}`;
}

/** The holder's bearer secret for GET and cancel; only its hash is stored. */
export const newOrderToken = (): string => randomBytes(32).toString('base64url');
export const tokenHashOf = (token: string): string => createHash('sha256').update(token).digest('base64url');

export function holdsToken(order: Pick<OrderRecord, 'tokenHash'>, token: string | undefined): boolean {
  if (!token) return false;
  const a = Buffer.from(tokenHashOf(token));
  const b = Buffer.from(order.tokenHash);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The notices asked for, each held by the caller's check code and payable today; else the first's problem. */
export function orderableNotices(
  noticeNos: string[],
  checkCodes: Record<string, string>,
  found: Map<string, NoticeRecord>,
  today: string,
): NoticeRecord[] {
  return noticeNos.map((no, i) => {
    const n = found.get(no);
    const path = `noticeNos.${i}`;
    // A wrong code looks exactly like a missing notice (the number is not confirmed to exist).
    if (!n || !sameCode(checkCodes[no], n.checkCode))
      throw new DomainError('not-found', `${path}: no notice with this number and check code`, [
        { path, message: 'no such notice' },
      ]);
    const status = statusOn(n, today);
    if (status !== 'issued')
      throw new DomainError(
        `notice-${status === 'paid' ? 'already-paid' : status}`,
        `${path}: the notice is ${status}`,
        [{ path, message: status }],
      );
    if (n.reservation) throw noticePending(i, n.reservation.expiresAt);
    return n;
  });
}

/** What an order's holder, a clerk or finance sees. */
export function orderView(o: OrderRecord, extra: { payment?: unknown; receipt?: unknown } = {}) {
  return {
    orderId: o.orderId,
    status: o.status,
    amount: o.amount,
    noticeNos: o.noticeNos,
    createdAt: o.createdAt,
    expiresAt: o.expiresAt,
    ...(o.paymentId ? { paymentId: o.paymentId } : {}),
    ...(o.receiptNo ? { receiptNo: o.receiptNo } : {}),
    ...(o.anomaly ? { anomaly: o.anomaly } : {}),
    ...(o.refund ? { refund: o.refund } : {}),
    ...extra,
  };
}

/** Statuses from which a provider-confirmed success may still be recorded (late notifications included). */
export const PAYABLE_FROM: readonly OrderStatus[] = ['created', 'failed', 'expired', 'cancelled'];

/**
 * Problems of the payments use case that mean the money cannot become this order's payment: the order
 * is then anomalous, for finance to refund. Anything else (in progress, a conflict) is retried.
 */
export const ANOMALIES = new Set([
  'notice-already-paid',
  'notice-cancelled',
  'notice-expired',
  'notice-payment-pending',
  'not-found',
  'amount-mismatch',
  'bank-ref-duplicate',
  'idempotency-key-reused',
  'order-not-payable',
]);
