import type { Receipt, ReceiptPayload } from '../../../schemas/payments';
import type { RefundRecord } from '../../../schemas/records';
import { accounts, buildTransaction, type LedgerTransaction, type Posting } from '../../ledger';
import { DomainError } from '../../shared/domain/errors';
import { checkCode } from '../../shared/domain/ids';
import type { StoredPayment } from '../ports';
import { splitRefund } from './splitRefund';

/**
 * The rules of one refund, as pure functions of the payment as read: how much is left, how the
 * amount splits over the payment's lines, the reversing ledger transaction and the red receipt.
 */

export type Refund = RefundRecord & { reason: string };

/** Throws refund-exceeds-payment when `amount` is more than what earlier refunds left. */
export function checkRefundable(payment: StoredPayment, amount: number): void {
  const left = payment.amount - payment.refundedTotal;
  if (amount > left)
    throw new DomainError('refund-exceeds-payment', `At most ${left} fen of this payment is left to refund`, [
      { path: 'amount', message: `must be at most ${left}` },
    ]);
}

/** The refund's share of each payment line, from what each line still holds. */
export const refundShares = (payment: StoredPayment, amount: number): number[] =>
  splitRefund(
    amount,
    payment.lines.map((l, i) => l.amount - (payment.lineRefunded[i] ?? 0)),
  );

/** The shares summed per revenue account (department and fee), in the order lines first name them. */
export function refundLinesOf(payment: StoredPayment, shares: readonly number[]): RefundRecord['lines'] {
  const byRevenue = new Map<string, { departmentId: string; feeCode: string; amount: number }>();
  for (const [i, l] of payment.lines.entries()) {
    if (!shares[i]) continue;
    const k = `${l.departmentId}|${l.feeCode}`;
    const prev = byRevenue.get(k) ?? { departmentId: l.departmentId, feeCode: l.feeCode, amount: 0 };
    prev.amount += shares[i]!;
    byRevenue.set(k, prev);
  }
  return [...byRevenue.values()];
}

/** A new reversing transaction in the refund's business date: revenue debited, the channel's clearing credited. */
export function refundTransaction(refund: Refund): LedgerTransaction {
  return buildTransaction({
    id: `refund-${refund.refundId}`,
    kind: 'refund',
    ref: refund.refundId,
    businessDate: refund.businessDate,
    createdAt: refund.refundedAt,
    postings: [
      ...refund.lines.map(
        (l): Posting => ({ account: accounts.revenue(l.departmentId, l.feeCode), debit: l.amount, credit: 0 }),
      ),
      { account: accounts.clearing(refund.channel), debit: 0, credit: refund.amount },
    ],
  });
}

/** The red receipt (红冲): the refunded share of each line, named as on the original receipt. */
export function reversalPayload(
  refund: Refund,
  payment: StoredPayment,
  original: Receipt,
  shares: readonly number[],
  issuer: string,
): ReceiptPayload {
  return {
    receiptNo: refund.receiptNo,
    checkCode: checkCode(),
    kind: 'reversal',
    paymentId: payment.paymentId,
    refundId: refund.refundId,
    originalReceiptNo: payment.receiptNo,
    payerName: original.payerName,
    lines: payment.lines.flatMap((l, i) => {
      const o = original.lines[i];
      return shares[i]
        ? [
            {
              noticeNo: l.noticeNo,
              departmentId: l.departmentId,
              feeCode: l.feeCode,
              name: o?.name ?? l.feeCode,
              quantity: l.quantity,
              amount: shares[i]!,
            },
          ]
        : [];
    }),
    total: refund.amount,
    currency: 'CNY',
    issuer,
    issuedAt: refund.refundedAt,
  };
}
