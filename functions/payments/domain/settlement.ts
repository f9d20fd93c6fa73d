import type { PayNotices, Payment, Receipt, ReceiptPayload } from '../../../schemas/payments';
import type { PaymentLineRecord } from '../../../schemas/records';
import { accounts, buildTransaction, mergePostings, type LedgerTransaction, type Posting } from '../../ledger';
import { maskName, noticePending, statusOn, type NoticeRecord } from '../../notices';
import { DomainError } from '../../shared/domain/errors';
import { checkCode } from '../../shared/domain/ids';
import type { StoredPayment } from '../ports';

/**
 * The rules of one payment, as pure functions of what was read: which notices may be paid, the
 * PII-free payment record, its ledger transaction and its receipt.
 */

/**
 * Why the notice at `index` of `noticeNos` cannot be paid; the problem names its place in the
 * request, not its number (the caller's value is never echoed).
 */
export function noticeNotPayable(status: 'paid' | 'cancelled' | 'expired', index: number, dueDate: string) {
  const path = `noticeNos.${index}`;
  if (status === 'paid')
    return new DomainError('notice-already-paid', `${path}: the notice is already paid`, [
      { path, message: 'already paid' },
    ]);
  if (status === 'cancelled')
    return new DomainError('notice-cancelled', `${path}: the notice is cancelled`, [{ path, message: 'cancelled' }]);
  return new DomainError('notice-expired', `${path}: the notice was due on ${dueDate}`, [{ path, message: 'expired' }]);
}

/**
 * The notices in the order asked, each payable today; throws the problem of the first that is not.
 * A notice held by an online payment order is payable only by that order's payment (`orderId`).
 */
export function payableNotices(
  input: PayNotices,
  found: Map<string, NoticeRecord>,
  today: string,
  orderId?: string,
): NoticeRecord[] {
  const notices: NoticeRecord[] = [];
  for (const [i, no] of input.noticeNos.entries()) {
    const n = found.get(no);
    // Only a clerk at the counter and a provider-confirmed order pay: the order checked the payer's
    // check codes when it was made, so none are asked here.
    if (!n)
      throw new DomainError('not-found', `noticeNos.${i}: no notice with this number and check code`, [
        { path: `noticeNos.${i}`, message: 'no such notice' },
      ]);
    const status = statusOn(n, today);
    if (status !== 'issued') throw noticeNotPayable(status, i, n.dueDate);
    if (n.reservation && n.reservation.orderId !== orderId) throw noticePending(i, n.reservation.expiresAt);
    notices.push(n);
  }
  const total = notices.reduce((s, n) => s + n.total, 0);
  if (input.amount !== total)
    throw new DomainError('amount-mismatch', `The notices total ${total} fen; the amount differs`, [
      { path: 'amount', message: `must be ${total}` },
    ]);
  return notices;
}

/** The payment record: the notices' lines as fixed at issue, and nothing refunded yet. */
export function paymentRecord(p: {
  paymentId: string;
  input: PayNotices;
  notices: NoticeRecord[];
  windowId: string | null;
  paidAt: string;
  today: string;
  receiptNo: string;
}): StoredPayment {
  const lines: PaymentLineRecord[] = p.notices.flatMap((n) =>
    n.lines.map((l) => ({
      noticeNo: n.noticeNo,
      departmentId: n.departmentId,
      feeCode: l.feeCode,
      feeVersion: l.feeVersion,
      quantity: l.quantity,
      amount: l.amount,
      noticeIssuedAt: n.issuedAt,
    })),
  );
  return {
    recordType: 'payment',
    paymentId: p.paymentId,
    noticeNos: p.input.noticeNos,
    channel: p.input.channel,
    amount: p.notices.reduce((s, n) => s + n.total, 0),
    bankRef: p.input.bankRef ?? null,
    windowId: p.windowId,
    paidAt: p.paidAt,
    businessDate: p.today,
    receiptNo: p.receiptNo,
    lines,
    refundedTotal: 0,
    lineRefunded: lines.map(() => 0),
  };
}

/** The channel's clearing account is debited the total; each line credits its department's revenue. */
export function paymentTransaction(payment: StoredPayment): LedgerTransaction {
  return buildTransaction({
    id: `pay-${payment.paymentId}`,
    kind: 'payment',
    ref: payment.paymentId,
    businessDate: payment.businessDate,
    createdAt: payment.paidAt,
    postings: mergePostings([
      { account: accounts.clearing(payment.channel), debit: payment.amount, credit: 0 },
      ...payment.lines.map(
        (l): Posting => ({ account: accounts.revenue(l.departmentId, l.feeCode), debit: 0, credit: l.amount }),
      ),
    ]),
  });
}

function receiptLines(notices: NoticeRecord[]): ReceiptPayload['lines'] {
  return notices.flatMap((n) =>
    n.lines.map((l) => ({
      noticeNo: n.noticeNo,
      departmentId: n.departmentId,
      feeCode: l.feeCode,
      name: l.name,
      quantity: l.quantity,
      amount: l.amount,
    })),
  );
}

export function payerNameOf(notices: NoticeRecord[]): string {
  return [...new Set(notices.map((n) => maskName(n.payer.name)))].join('、');
}

/** What the payment's receipt says (signed as it is); the payer's name masked. */
export function paymentReceiptPayload(payment: StoredPayment, notices: NoticeRecord[], issuer: string): ReceiptPayload {
  return {
    receiptNo: payment.receiptNo,
    checkCode: checkCode(),
    kind: 'payment',
    paymentId: payment.paymentId,
    payerName: payerNameOf(notices),
    lines: receiptLines(notices),
    total: payment.amount,
    currency: 'CNY',
    issuer,
    issuedAt: payment.paidAt,
  };
}

/** The answer to POST /v1/payments, stored with the Idempotency-Key for replays. */
export function paymentBody(payment: StoredPayment, receipt: Receipt): Payment {
  return {
    paymentId: payment.paymentId,
    noticeNos: payment.noticeNos,
    amount: payment.amount,
    channel: payment.channel,
    bankRef: payment.bankRef,
    windowId: payment.windowId,
    paidAt: payment.paidAt,
    businessDate: payment.businessDate,
    receipt,
  };
}
