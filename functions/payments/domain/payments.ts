import type { PayNotices, Payment, Receipt, ReceiptPayload } from '../../../schemas/payments';
import type { Channel } from '../../../schemas/records';
import type { Clock } from '../../shared/domain/clock';
import { DomainError } from '../../shared/domain/errors';
import {
  documentNumber,
  isPaymentId,
  paymentId as newPaymentId,
  refundId as newRefundId,
} from '../../shared/domain/ids';
import {
  fingerprintOf,
  idempotently,
  type Claim,
  type IdempotencyStore,
  type StoredResponse,
} from '../../shared/domain/idempotency';
import type { Principal } from '../../shared/domain/principal';
import type { Signer } from '../../shared/domain/signing';
import type { LookupLimiter, OnlinePayment, OnlineRefunds, PaymentStore, StoredPayment } from '../ports';
import {
  checkRefundable,
  refundLinesOf,
  refundShares,
  refundTransaction,
  reversalPayload,
  type Refund,
} from './refunds';
import { payableNotices, paymentBody, paymentReceiptPayload, paymentRecord, paymentTransaction } from './settlement';
import { untilCommitted } from './untilCommitted';
import { paymentView, positionOf } from './views';

/**
 * One-window payments (一个窗口收费), refunds and receipts. Invariants:
 * - a notice is paid at most once: its status flips issued → paid inside the payment's one atomic
 *   commit, conditional on it still being issued and not past due;
 * - a payment is wholly recorded (notices, PII-free payment record, bankRef uniqueness item, ledger
 *   transaction, signed receipt, idempotency completion) or not at all;
 * - the amount paid equals the notices' total, which the catalog fixed when the notices were issued;
 * - cumulative refunds never exceed the payment: every refund commits conditional on the refunded
 *   total it read; a refund is a new reversing transaction in today's business date, never an edit.
 *
 * Steps of `pay`: claim the Idempotency-Key → read the notices → check codes, states and amount →
 * build the ledger transaction and sign the receipt → register the business day → commit all at once.
 */

/** Whose fingerprint an online payment's idempotency record carries: the provider's confirmation. */
const ONLINE: Principal = { role: 'anonymous', sub: 'payment-provider' };

/** Printed on receipts unless the wiring says otherwise (`RECEIPT_ISSUER`). */
export const DEFAULT_RECEIPT_ISSUER = '财政局 行政服务中心统一收费窗口';

export class Payments {
  constructor(
    private readonly store: PaymentStore,
    private readonly idempotency: IdempotencyStore,
    private readonly signer: Pick<Signer, 'sign'>,
    private readonly limiter: LookupLimiter,
    private readonly clock: Clock,
    private readonly issuer: string = DEFAULT_RECEIPT_ISSUER,
    /** Refunds of online payments go back through the payment provider (the orders context's port). */
    private readonly onlineRefunds?: OnlineRefunds,
  ) {}

  async pay(
    principal: Principal,
    input: PayNotices,
    key: string,
    client = 'unknown',
  ): Promise<{ status: number; body: unknown; replayed: boolean }> {
    // Anonymous posts are still counted per client: they are what a script guessing codes would send.
    if (principal.role === 'anonymous') await this.limiter('online-payment', client);
    // Only a provider's confirmation makes an online payment (API.md "Payment orders"): a payer's
    // browser saying it paid is not evidence, whoever sends it.
    if (input.channel === 'online')
      throw new DomainError('online-payment-needs-order', 'Pay online through POST /v1/payment-orders', [
        { path: 'channel', message: 'online payments go through a payment order' },
      ]);
    if (principal.role === 'anonymous')
      throw new DomainError('unauthorized', 'A counter payment (cash, card, transfer) is recorded by a window clerk');
    if (principal.role !== 'clerk') throw new DomainError('forbidden', 'Only a window clerk records payments');
    const owner = newPaymentId(this.clock.today());
    return idempotently(
      this.idempotency,
      {
        scope: 'payments',
        key,
        fingerprint: fingerprintOf(principal, input),
        owner,
        nowMs: this.clock.now().getTime(),
      },
      (claim) => this.settle(input, claim, { windowId: principal.window ?? null }),
    );
  }

  /**
   * The one payment of an online payment order the provider confirmed (published: the orders context
   * calls it). The order id is the idempotency key, so however many notifications, queries and
   * sweeps confirm the order, one payment is made; a replay answers the first one's body. The notices'
   * check codes were checked when the order was made, and the order's hold lets its payment through.
   */
  async payOnline(order: OnlinePayment): Promise<Payment> {
    const input: PayNotices = {
      noticeNos: order.noticeNos,
      channel: 'online',
      amount: order.amount,
      bankRef: order.bankRef,
    };
    const r = await idempotently(
      this.idempotency,
      {
        scope: 'payment-orders',
        key: order.orderId,
        fingerprint: fingerprintOf(ONLINE, input),
        owner: newPaymentId(this.clock.today()),
        nowMs: this.clock.now().getTime(),
      },
      (claim) => this.settle(input, claim, { windowId: null, orderId: order.orderId }),
    );
    return r.body as Payment;
  }

  private async settle(
    input: PayNotices,
    claim: Claim,
    by: { windowId: string | null; orderId?: string },
  ): Promise<StoredResponse> {
    const paymentId = claim.owner;
    return untilCommitted('these notices', async (attempt) => {
      const at = this.clock.now();
      const today = this.clock.dateOf(at);
      const found = await this.store.getNotices(input.noticeNos);
      const notices = payableNotices(false, input, found, today, by.orderId);
      const paidAt = at.toISOString();
      const receiptNo = documentNumber(today);
      const windowId = by.windowId;
      const payment = paymentRecord({ paymentId, input, notices, windowId, paidAt, today, receiptNo });
      const ledger = paymentTransaction(payment);
      const receipt = await this.sign(paymentReceiptPayload(payment, notices, this.issuer));
      const response = { status: 201, body: paymentBody(payment, receipt) };
      await this.store.registerBusinessDay(today);
      await this.store.commitPayment({
        token: `${paymentId}.${attempt}`,
        today,
        noticeNos: input.noticeNos,
        orderId: by.orderId,
        payment,
        bankRef: input.bankRef ? { channel: input.channel, bankRef: input.bankRef } : undefined,
        ledger,
        receipt,
        claim,
        response,
        nowMs: at.getTime(),
      });
      return response;
    });
  }

  async refund(principal: Principal, paymentId: string, input: { amount: number; reason: string }, key: string) {
    if (principal.role !== 'finance') throw new DomainError('forbidden', 'Only finance refunds');
    const owner = newRefundId(this.clock.today());
    return idempotently(
      this.idempotency,
      {
        scope: 'refunds',
        key,
        fingerprint: fingerprintOf(principal, { paymentId, ...input }),
        owner,
        nowMs: this.clock.now().getTime(),
      },
      (claim) => this.reverse(paymentId, input, claim),
    );
  }

  private async reverse(
    paymentId: string,
    input: { amount: number; reason: string },
    claim: Claim,
  ): Promise<StoredResponse> {
    const refundId = claim.owner;
    return untilCommitted('refunds of this payment', async (attempt) => {
      const at = this.clock.now();
      const today = this.clock.dateOf(at); // a refund posts into today's (open) day, whatever day the payment was
      const { payment, original } = await this.refundable(paymentId, input.amount);
      const shares = refundShares(payment, input.amount);
      // The provider gives the money back first (idempotent by refundId); the red receipt follows.
      if (payment.channel === 'online') await this.refundOnline(payment, refundId, input.amount);
      const refund: Refund = {
        recordType: 'refund',
        refundId,
        paymentId,
        channel: payment.channel,
        amount: input.amount,
        refundedAt: at.toISOString(),
        businessDate: today,
        receiptNo: documentNumber(today),
        lines: refundLinesOf(payment, shares),
        reason: input.reason,
      };
      const ledger = refundTransaction(refund);
      const receipt = await this.sign(reversalPayload(refund, payment, original, shares, this.issuer));
      const refundedTotal = payment.refundedTotal + input.amount;
      const status: Receipt['status'] = refundedTotal === payment.amount ? 'reversed' : 'partially-reversed';
      const { recordType: _t, ...refundBody } = refund;
      const originalReceipt = { receiptNo: payment.receiptNo, status };
      const response = { status: 201, body: { ...refundBody, receipt, originalReceipt } };
      await this.store.registerBusinessDay(today);
      await this.store.commitRefund({
        token: `${refundId}.${attempt}`,
        paymentId,
        previousRefunded: payment.refundedTotal,
        refundedTotal,
        lineRefunded: payment.lines.map((_, i) => (payment.lineRefunded[i] ?? 0) + shares[i]!),
        refund,
        ledger,
        receipt,
        original: { receiptNo: payment.receiptNo, status },
        claim,
        response,
        nowMs: at.getTime(),
      });
      return response;
    });
  }

  private async refundOnline(payment: StoredPayment, refundId: string, amount: number): Promise<void> {
    if (!this.onlineRefunds || !payment.bankRef)
      throw new DomainError('provider-unconfirmed', 'No payment provider is configured to refund this payment');
    await this.onlineRefunds({ bankRef: payment.bankRef, refundId, amount });
  }

  /** The payment as stored (and its receipt), if `amount` may still be refunded from it. */
  private async refundable(paymentId: string, amount: number): Promise<{ payment: StoredPayment; original: Receipt }> {
    const payment = isPaymentId(paymentId) ? await this.store.getPayment(paymentId) : undefined;
    if (!payment) throw new DomainError('not-found', 'No payment with this id');
    checkRefundable(payment, amount);
    const original = await this.store.getReceipt(payment.receiptNo);
    if (!original) throw new Error(`payment ${paymentId} has no receipt ${payment.receiptNo}`);
    return { payment, original };
  }

  private async sign(payload: ReceiptPayload): Promise<Receipt> {
    return { ...payload, status: 'valid', jws: await this.signer.sign(payload) };
  }

  async getPayment(paymentId: string) {
    const p = isPaymentId(paymentId) ? await this.store.getPayment(paymentId) : undefined;
    if (!p) throw new DomainError('not-found', 'No payment with this id');
    // The payment as POST answered it, plus refunds so far; the receipt with its current status.
    return { ...paymentView(p), receipt: await this.store.getReceipt(p.receiptNo) };
  }

  /** One business day's payments, ordered by (paidAt, paymentId); the cursor is the last position returned. */
  async listPayments(q: { businessDate?: string; channel?: Channel; limit?: number; after?: Record<string, unknown> }) {
    const businessDate = q.businessDate ?? this.clock.today();
    const limit = q.limit ?? 50;
    const at = q.after?.at;
    const after = typeof at === 'string' && /^[0-9T:.Z-]{10,40}#P\d{8}[0-9A-Z]{16}$/.test(at) ? at : undefined;
    if (q.after && !after)
      throw new DomainError('validation-failed', 'cursor: not a cursor this API issued', [
        { path: 'cursor', message: 'invalid cursor' },
      ]);
    const page = await this.store.paymentsPage({ businessDate, channel: q.channel, after, limit });
    const last = page.items.at(-1);
    return { items: page.items.map(paymentView), next: page.more && last ? { at: positionOf(last) } : undefined };
  }
}
