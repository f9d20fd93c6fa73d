import type { Receipt } from '../../schemas/payments';
import type { Channel, PaymentRecord, RefundRecord } from '../../schemas/records';
import type { LedgerTransaction } from '../ledger';
import type { NoticeRecord } from '../notices';
import type { Clock } from '../shared/domain/clock';
import type { Claim, IdempotencyRecord, IdempotencyStore, StoredResponse } from '../shared/domain/idempotency';
import type { Signer } from '../shared/domain/signing';

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
  /** The online payment order this payment settles: its hold on the notices lets this payment through. */
  orderId?: string;
  payment: StoredPayment;
  bankRef?: { channel: Channel; bankRef: string };
  ledger: LedgerTransaction;
  receipt: Receipt;
  /**
   * How the commit records its Idempotency-Key: `completed` puts a completed record in the same
   * transaction, with no claim before it (the payment path: two round trips, ADR 0014); `claim`
   * completes a claim taken earlier with the response (ADR 0004's protocol).
   */
  idempotency: { completed: { id: string; fingerprint: string } } | { claim: Claim; response: StoredResponse };
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

/** What a page of one business day's payments asks for. */
export interface PaymentsPageQuery {
  businessDate: string;
  channel?: Channel;
  after?: string;
  limit: number;
}

export interface PaymentStore {
  /** Strongly consistent reads of the notices that exist. */
  getNotices(noticeNos: string[]): Promise<Map<string, NoticeRecord>>;
  /** The notices and the Idempotency-Key's record, if any, strongly consistent, in one round trip. */
  readForPayment(
    noticeNos: string[],
    idempotencyId: string,
  ): Promise<{ notices: Map<string, NoticeRecord>; record?: IdempotencyRecord }>;
  getPayment(paymentId: string): Promise<StoredPayment | undefined>;
  getReceipt(receiptNo: string): Promise<Receipt | undefined>;
  /**
   * Up to `limit` payments of one business day (of one channel if given), in id order (the order
   * they were made), strictly after the `after` id; `more` says whether any follow.
   */
  paymentsPage(q: PaymentsPageQuery): Promise<{ items: StoredPayment[]; more: boolean }>;
  registerBusinessDay(date: string): Promise<void>;
  /** Atomic; throws a DomainError naming the failed condition, or TransientConflict. */
  commitPayment(c: PaymentCommit): Promise<void>;
  commitRefund(c: RefundCommit): Promise<void>;
}

/** What the orders context asks to be paid once its provider confirmed an order. */
export interface OnlinePayment {
  orderId: string;
  noticeNos: string[];
  amount: number;
  /** The provider's transaction id. */
  bankRef: string;
}

/**
 * Gives `amount` of an online payment back through the provider that took it, idempotently per
 * `refundId`; resolves once the provider confirmed the refund, throws `provider-unconfirmed` otherwise.
 */
export type OnlineRefunds = (r: { bankRef: string; refundId: string; amount: number }) => Promise<void>;

/**
 * Throws `rate-limited` when a client is over its budget. Everything that answers differently for a
 * right and a wrong check code is limited per client: receipt look-ups and verification by code, and
 * anonymous (online) payments, where a right code gets past the 404 to the amount check.
 */
export type LookupLimiter = (scope: 'receipt-lookup' | 'online-payment', client: string) => Promise<void>;

export type { Claim, Clock, IdempotencyStore, Signer, StoredResponse };
