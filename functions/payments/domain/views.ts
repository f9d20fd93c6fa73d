import type { StoredPayment } from '../ports';

/**
 * A payment's place in its day's order: its id, which carries the instant it was made (ids.ts
 * `paymentId`), and which the Payments table sorts a day's partitions by.
 */
export const positionOf = (p: Pick<StoredPayment, 'paymentId'>) => p.paymentId;
/** Code-unit order, the order DynamoDB sorts string keys in (localeCompare would not match it). */
export const byPosition = (a: StoredPayment, b: StoredPayment): number => {
  const x = positionOf(a);
  const y = positionOf(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

export function paymentView(p: StoredPayment) {
  return {
    paymentId: p.paymentId,
    noticeNos: p.noticeNos,
    amount: p.amount,
    refundedAmount: p.refundedTotal,
    channel: p.channel,
    bankRef: p.bankRef,
    windowId: p.windowId,
    paidAt: p.paidAt,
    businessDate: p.businessDate,
    receiptNo: p.receiptNo,
    lines: p.lines.map(({ noticeIssuedAt: _i, ...l }) => l),
  };
}
