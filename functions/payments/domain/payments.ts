import { timingSafeEqual } from 'node:crypto';
import type { PayNotices, Payment, Receipt, ReceiptPayload } from '../../../schemas/payments';
import type { Channel, PaymentLineRecord, PaymentRecord, RefundRecord } from '../../../schemas/records';
import type { NoticeRecord } from '../../notices/notices';
import { statusOn } from '../../notices/notices';
import { maskName } from '../../notices/masking';
import type { Principal } from '../../shared/domain/principal';
import type { Clock } from '../../shared/domain/clock';
import { DomainError } from '../../shared/domain/errors';
import { checkCode, documentNumber, isPaymentId, paymentId as newPaymentId, refundId as newRefundId } from '../../shared/domain/ids';
import { fingerprintOf, idempotently, type Claim, type IdempotencyStore, type StoredResponse } from '../../shared/domain/idempotency';
import { accounts, buildTransaction, mergePostings, type LedgerTransaction, type Posting } from '../../ledger/domain/ledger';
import type { Signer } from '../../shared/domain/signing';

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

/** The Payments table item of a payment: the PII-free record plus what refunds have taken from it. */
export interface StoredPayment extends PaymentRecord {
  refundedTotal: number;
  /** Refunded amount per entry of `lines`, same order. */
  lineRefunded: number[];
}

export interface PaymentCommit {
  /** DynamoDB ClientRequestToken: one per attempt, so an SDK retry of the same attempt cannot apply twice. */
  token: string;
  today: string;
  noticeNos: string[];
  payment: StoredPayment;
  bankRef?: { channel: Channel; bankRef: string };
  ledger: LedgerTransaction;
  receipt: Receipt;
  claim: Claim;
  response: StoredResponse;
  nowMs: number;
}

export interface RefundCommit {
  token: string;
  paymentId: string;
  /** The refunded total the refund was computed from; the commit fails if it changed meanwhile. */
  previousRefunded: number;
  refundedTotal: number;
  lineRefunded: number[];
  refund: RefundRecord & { reason: string };
  ledger: LedgerTransaction;
  receipt: Receipt;
  original: { receiptNo: string; status: Receipt['status'] };
  claim: Claim;
  response: StoredResponse;
  nowMs: number;
}

/** A commit lost a race that a re-read may resolve (DynamoDB TransactionConflict, refunded total changed). */
export class TransientConflict extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'TransientConflict';
  }
}

export interface PaymentStore {
  /** Strongly consistent reads of the notices that exist. */
  getNotices(noticeNos: string[]): Promise<Map<string, NoticeRecord>>;
  getPayment(paymentId: string): Promise<StoredPayment | undefined>;
  getReceipt(receiptNo: string): Promise<Receipt | undefined>;
  /**
   * Up to `limit` payments of one business day (of one channel if given), in (paidAt, paymentId)
   * order, strictly after the `after` position; `more` says whether any follow.
   */
  paymentsPage(q: { businessDate: string; channel?: Channel; after?: string; limit: number }): Promise<{ items: StoredPayment[]; more: boolean }>;
  registerBusinessDay(date: string): Promise<void>;
  /** Atomic; throws a DomainError naming the failed condition, or TransientConflict. */
  commitPayment(c: PaymentCommit): Promise<void>;
  commitRefund(c: RefundCommit): Promise<void>;
}

/**
 * Throws `rate-limited` when a client is over its budget. Everything that answers differently for a
 * right and a wrong check code is limited per client: receipt look-ups and verification by code, and
 * anonymous (online) payments, where a right code gets past the 404 to the amount check.
 */
export type LookupLimiter = (scope: 'receipt-lookup' | 'online-payment', client: string) => Promise<void>;

export const MAX_ATTEMPTS = 6;
/** Printed on receipts unless the wiring says otherwise (`RECEIPT_ISSUER`). */
export const DEFAULT_RECEIPT_ISSUER = '财政局 行政服务中心统一收费窗口';

export const sameCode = (given: string | undefined, stored: string): boolean => {
  if (given === undefined) return false;
  const a = Buffer.from(given.toUpperCase());
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs one read-decide-commit attempt until it commits. A TransientConflict means another
 * transaction touched the same items: back off, re-read, and let the winner's outcome decide ours.
 */
async function untilCommitted<T>(what: string, attemptOnce: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptOnce(attempt);
    } catch (e) {
      if (!(e instanceof TransientConflict)) throw e;
      if (attempt >= MAX_ATTEMPTS) throw new DomainError('concurrent-update', `Too many concurrent changes to ${what}; retry`);
      await sleep(5 + Math.random() * 20 * attempt);
    }
  }
}

/**
 * Splits a refund over the payment's lines in proportion to what each line still holds, in integer
 * fen with the largest-remainder method (ties to the earlier line). Because the base is what remains,
 * no line is ever refunded more than it was paid, whatever the sequence of partial refunds.
 */
export function splitRefund(amount: number, remaining: readonly number[]): number[] {
  const total = remaining.reduce((s, r) => s + r, 0);
  if (amount > total) throw new Error('refund larger than what remains');
  if (total === 0) return remaining.map(() => 0);
  const a = BigInt(amount);
  const t = BigInt(total);
  const shares = remaining.map((r) => Number((BigInt(r) * a) / t));
  const remainders = remaining.map((r, i) => ({ i, rem: (BigInt(r) * a) % t }));
  let left = amount - shares.reduce((s, x) => s + x, 0);
  remainders.sort((x, y) => (x.rem === y.rem ? x.i - y.i : x.rem > y.rem ? -1 : 1));
  for (const { i, rem } of remainders) {
    if (left === 0 || rem === 0n) break;
    shares[i]! += 1;
    left--;
  }
  return shares;
}

function receiptLines(notices: NoticeRecord[]): ReceiptPayload['lines'] {
  return notices.flatMap((n) =>
    n.lines.map((l) => ({ noticeNo: n.noticeNo, departmentId: n.departmentId, feeCode: l.feeCode, name: l.name, quantity: l.quantity, amount: l.amount })),
  );
}

export function payerNameOf(notices: NoticeRecord[]): string {
  return [...new Set(notices.map((n) => maskName(n.payer.name)))].join('、');
}

/** A payment's place in its day's order: what the day index sorts by. */
export const positionOf = (p: Pick<StoredPayment, 'paidAt' | 'paymentId'>) => `${p.paidAt}#${p.paymentId}`;
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

export class Payments {
  constructor(
    private readonly store: PaymentStore,
    private readonly idempotency: IdempotencyStore,
    private readonly signer: Pick<Signer, 'sign'>,
    private readonly limiter: LookupLimiter,
    private readonly clock: Clock,
    private readonly issuer: string = DEFAULT_RECEIPT_ISSUER,
  ) {}

  async pay(principal: Principal, input: PayNotices, key: string, client = 'unknown'): Promise<{ status: number; body: unknown; replayed: boolean }> {
    if (principal.role === 'anonymous' && input.channel !== 'online')
      throw new DomainError('unauthorized', 'A counter payment (cash, card, transfer) is recorded by a window clerk');
    if (principal.role !== 'anonymous' && principal.role !== 'clerk') throw new DomainError('forbidden', 'Only a window clerk records payments');
    if (principal.role === 'anonymous') await this.limiter('online-payment', client);
    const owner = newPaymentId(this.clock.today());
    return idempotently(
      this.idempotency,
      { scope: 'payments', key, fingerprint: fingerprintOf(principal, input), owner, nowMs: this.clock.now().getTime() },
      (claim) => this.settle(principal, input, claim),
    );
  }

  private async settle(principal: Principal, input: PayNotices, claim: Claim): Promise<StoredResponse> {
    const paymentId = claim.owner;
    return untilCommitted('these notices', async (attempt) => {
      const at = this.clock.now();
      const today = this.clock.dateOf(at);
      const found = await this.store.getNotices(input.noticeNos);
      const notices: NoticeRecord[] = [];
      for (const [i, no] of input.noticeNos.entries()) {
        const n = found.get(no);
        // An online payer must hold every check code; a wrong one looks exactly like a missing notice.
        if (!n || (principal.role === 'anonymous' && !sameCode(input.checkCodes?.[no], n.checkCode)))
          throw new DomainError('not-found', `noticeNos.${i}: no notice with this number and check code`, [{ path: `noticeNos.${i}`, message: 'no such notice' }]);
        const status = statusOn(n, today);
        if (status === 'paid') throw new DomainError('notice-already-paid', `Notice ${no} is already paid`);
        if (status === 'cancelled') throw new DomainError('notice-cancelled', `Notice ${no} is cancelled`);
        if (status === 'expired') throw new DomainError('notice-expired', `Notice ${no} was due on ${n.dueDate}`);
        notices.push(n);
      }
      const total = notices.reduce((s, n) => s + n.total, 0);
      if (input.amount !== total)
        throw new DomainError('amount-mismatch', `The notices total ${total} fen; the payment says ${input.amount}`, [{ path: 'amount', message: `must be ${total}` }]);

      const paidAt = at.toISOString();
      const lines: PaymentLineRecord[] = notices.flatMap((n) =>
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
      const receiptNo = documentNumber(today);
      const payment: StoredPayment = {
        recordType: 'payment',
        paymentId,
        noticeNos: input.noticeNos,
        channel: input.channel,
        amount: total,
        bankRef: input.bankRef ?? null,
        windowId: principal.window ?? null,
        paidAt,
        businessDate: today,
        receiptNo,
        lines,
        refundedTotal: 0,
        lineRefunded: lines.map(() => 0),
      };
      const ledger = buildTransaction({
        id: `pay-${paymentId}`,
        kind: 'payment',
        ref: paymentId,
        businessDate: today,
        createdAt: paidAt,
        postings: mergePostings([
          { account: accounts.clearing(input.channel), debit: total, credit: 0 },
          ...lines.map((l): Posting => ({ account: accounts.revenue(l.departmentId, l.feeCode), debit: 0, credit: l.amount })),
        ]),
      });
      const receipt = await this.sign({
        receiptNo,
        checkCode: checkCode(),
        kind: 'payment',
        paymentId,
        payerName: payerNameOf(notices),
        lines: receiptLines(notices),
        total,
        currency: 'CNY',
        issuer: this.issuer,
        issuedAt: paidAt,
      });
      const body: Payment = {
        paymentId,
        noticeNos: input.noticeNos,
        amount: total,
        channel: input.channel,
        bankRef: payment.bankRef,
        windowId: payment.windowId,
        paidAt,
        businessDate: today,
        receipt,
      };
      const response = { status: 201, body };
      await this.store.registerBusinessDay(today);
      await this.store.commitPayment({
        token: `${paymentId}.${attempt}`,
        today,
        noticeNos: input.noticeNos,
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
      { scope: 'refunds', key, fingerprint: fingerprintOf(principal, { paymentId, ...input }), owner, nowMs: this.clock.now().getTime() },
      (claim) => this.reverse(paymentId, input, claim),
    );
  }

  private async reverse(paymentId: string, input: { amount: number; reason: string }, claim: Claim): Promise<StoredResponse> {
    const refundId = claim.owner;
    return untilCommitted('refunds of this payment', async (attempt) => {
      const at = this.clock.now();
      const today = this.clock.dateOf(at); // a refund posts into today's (open) day, whatever day the payment was
      const payment = isPaymentId(paymentId) ? await this.store.getPayment(paymentId) : undefined;
      if (!payment) throw new DomainError('not-found', 'No payment with this id');
      const left = payment.amount - payment.refundedTotal;
      if (input.amount > left)
        throw new DomainError('refund-exceeds-payment', `At most ${left} fen of payment ${paymentId} is left to refund`, [{ path: 'amount', message: `must be at most ${left}` }]);
      const original = await this.store.getReceipt(payment.receiptNo);
      if (!original) throw new Error(`payment ${paymentId} has no receipt ${payment.receiptNo}`);

      const shares = splitRefund(
        input.amount,
        payment.lines.map((l, i) => l.amount - (payment.lineRefunded[i] ?? 0)),
      );
      const refundedAt = at.toISOString();
      const byRevenue = new Map<string, { departmentId: string; feeCode: string; amount: number }>();
      for (const [i, l] of payment.lines.entries()) {
        if (!shares[i]) continue;
        const k = `${l.departmentId}|${l.feeCode}`;
        const prev = byRevenue.get(k) ?? { departmentId: l.departmentId, feeCode: l.feeCode, amount: 0 };
        prev.amount += shares[i]!;
        byRevenue.set(k, prev);
      }
      const refundLines = [...byRevenue.values()];
      const ledger = buildTransaction({
        id: `refund-${refundId}`,
        kind: 'refund',
        ref: refundId,
        businessDate: today,
        createdAt: refundedAt,
        postings: [
          ...refundLines.map((l): Posting => ({ account: accounts.revenue(l.departmentId, l.feeCode), debit: l.amount, credit: 0 })),
          { account: accounts.clearing(payment.channel), debit: 0, credit: input.amount },
        ],
      });
      const receiptNo = documentNumber(today);
      const receipt = await this.sign({
        receiptNo,
        checkCode: checkCode(),
        kind: 'reversal',
        paymentId,
        refundId,
        originalReceiptNo: payment.receiptNo,
        payerName: original.payerName,
        lines: payment.lines.flatMap((l, i) => {
          const o = original.lines[i];
          return shares[i] ? [{ noticeNo: l.noticeNo, departmentId: l.departmentId, feeCode: l.feeCode, name: o?.name ?? l.feeCode, quantity: l.quantity, amount: shares[i]! }] : [];
        }),
        total: input.amount,
        currency: 'CNY',
        issuer: this.issuer,
        issuedAt: refundedAt,
      });
      const refundedTotal = payment.refundedTotal + input.amount;
      const originalStatus: Receipt['status'] = refundedTotal === payment.amount ? 'reversed' : 'partially-reversed';
      const refund: RefundRecord & { reason: string } = {
        recordType: 'refund',
        refundId,
        paymentId,
        channel: payment.channel,
        amount: input.amount,
        refundedAt,
        businessDate: today,
        receiptNo,
        lines: refundLines,
        reason: input.reason,
      };
      const { recordType: _t, ...refundBody } = refund;
      const response = { status: 201, body: { ...refundBody, receipt, originalReceipt: { receiptNo: payment.receiptNo, status: originalStatus } } };
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
        original: { receiptNo: payment.receiptNo, status: originalStatus },
        claim,
        response,
        nowMs: at.getTime(),
      });
      return response;
    });
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
      throw new DomainError('validation-failed', 'cursor: not a cursor this API issued', [{ path: 'cursor', message: 'invalid cursor' }]);
    const page = await this.store.paymentsPage({ businessDate, channel: q.channel, after, limit });
    const last = page.items.at(-1);
    return { items: page.items.map(paymentView), next: page.more && last ? { at: positionOf(last) } : undefined };
  }
}
