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
  idempotencyRecordId,
  idempotently,
  type Claim,
  type IdempotencyRecord,
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
 * Steps of `pay`: read the notices and the Idempotency-Key's record (one round trip) → an earlier
 * request's answer if there is one → check codes, states and amount → build the ledger transaction
 * and sign the receipt → commit all at once, the key's completed record included (the second round
 * trip; ADR 0014). A concurrent same-key request that commits first makes ours re-read and replay it.
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
    const request = { id: idempotencyRecordId('payments', key), fingerprint: fingerprintOf(principal, input) };
    return this.settle(input, request, { windowId: principal.window ?? null });
  }

  /**
   * The one payment of an online payment order the provider confirmed (published: the orders context
   * calls it). The order id is the idempotency key, so however many notifications, queries and
   * sweeps confirm the order, one payment is made; a replay answers the first one's body. The notices'
   * check codes were checked when the order was made, and the order's hold lets its payment through.
   */
  async payOnline(order: OnlinePayment): Promise<Payment & { replayed: boolean }> {
    const input: PayNotices = {
      noticeNos: order.noticeNos,
      channel: 'online',
      amount: order.amount,
      bankRef: order.bankRef,
    };
    const request = {
      id: idempotencyRecordId('payment-orders', order.orderId),
      fingerprint: fingerprintOf(ONLINE, input),
    };
    const r = await this.settle(input, request, { windowId: null, orderId: order.orderId });
    // A replay tells the orders context that an earlier confirmation's transaction recorded the order.
    return { ...(r.body as Payment), replayed: r.replayed };
  }

  private async settle(
    input: PayNotices,
    request: { id: string; fingerprint: string },
    by: { windowId: string | null; orderId?: string },
  ): Promise<{ status: number; body: unknown; replayed: boolean }> {
    return untilCommitted('these notices', async (attempt) => {
      const at = this.clock.now();
      const today = this.clock.dateOf(at);
      // The id carries the day and the instant the payment is made: its key and its place in the day.
      const paymentId = newPaymentId(today, at);
      // One round trip reads the notices and the key's record; the commit is the second (ADR 0014).
      const read = await this.store.readForPayment(input.noticeNos, request.id);
      if (read.record) {
        const earlier = await this.earlier(read.record, request.fingerprint, at.getTime());
        if (earlier) return earlier;
      }
      const notices = payableNotices(input, read.notices, today, by.orderId);
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
        idempotency: { completed: request },
        nowMs: at.getTime(),
      });
      return { ...response, replayed: false };
    });
  }

  /**
   * What an earlier request under the same key decides: its payment again (byte for byte), 422 for
   * another request, 409 while a claim (ADR 0004's protocol) is live; undefined when an abandoned
   * claim may be taken over.
   */
  private async earlier(record: IdempotencyRecord, fingerprint: string, nowMs: number) {
    if (record.fingerprint !== fingerprint)
      throw new DomainError('idempotency-key-reused', 'This Idempotency-Key was used with a different request');
    if (record.status === 'completed')
      return { ...(record.response ?? (await this.storedResponse(record.owner))), replayed: true };
    if ((record.leaseUntil ?? 0) < nowMs) return undefined;
    throw new DomainError(
      'idempotency-in-progress',
      'A request with this Idempotency-Key is still in progress; retry later',
      undefined,
      { 'retry-after': '1' },
    );
  }

  /**
   * The response a committed payment answered, rebuilt from what its transaction stored: the payment,
   * and the receipt as signed (its JWS payload keeps the field order) with the status it had then.
   */
  private async storedResponse(paymentId: string): Promise<StoredResponse> {
    const payment = await this.store.getPayment(paymentId);
    const stored = payment && (await this.store.getReceipt(payment.receiptNo));
    if (!payment || !stored) throw new Error(`idempotency record names payment ${paymentId}, which is not stored`);
    const payload = JSON.parse(Buffer.from(stored.jws.split('.')[1]!, 'base64url').toString('utf8')) as ReceiptPayload;
    return { status: 201, body: paymentBody(payment, { ...payload, status: 'valid', jws: stored.jws }) };
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

  /**
   * The payment and its receipt. A caller that knows the receipt number (a payment order records it)
   * reads both at once: one round trip of latency instead of two in sequence.
   */
  async getPayment(paymentId: string, receiptNo?: string) {
    const [p, known] = await Promise.all([
      isPaymentId(paymentId) ? this.store.getPayment(paymentId) : undefined,
      receiptNo ? this.store.getReceipt(receiptNo) : undefined,
    ]);
    if (!p) throw new DomainError('not-found', 'No payment with this id');
    // The payment as POST answered it, plus refunds so far; the receipt with its current status.
    const receipt = receiptNo === p.receiptNo ? known : await this.store.getReceipt(p.receiptNo);
    return { ...paymentView(p), receipt };
  }

  /** One business day's payments in the order they were made (by id); the cursor is the last position returned. */
  async listPayments(q: { businessDate?: string; channel?: Channel; limit?: number; after?: Record<string, unknown> }) {
    const businessDate = q.businessDate ?? this.clock.today();
    const limit = q.limit ?? 50;
    const at = q.after?.at;
    const after = typeof at === 'string' && isPaymentId(at) ? at : undefined;
    if (q.after && !after)
      throw new DomainError('validation-failed', 'cursor: not a cursor this API issued', [
        { path: 'cursor', message: 'invalid cursor' },
      ]);
    const page = await this.store.paymentsPage({ businessDate, channel: q.channel, after, limit });
    const last = page.items.at(-1);
    return { items: page.items.map(paymentView), next: page.more && last ? { at: positionOf(last) } : undefined };
  }
}
