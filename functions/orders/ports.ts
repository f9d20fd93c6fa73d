import type { ORDER_STATUS_VALUES } from '../../schemas/orders';
import type { NoticeRecord } from '../notices';
import type { Clock } from '../shared/domain/clock';
import type { Claim, IdempotencyStore, StoredResponse } from '../shared/domain/idempotency';

/** Idempotency-Key records; a refund's claim is completed on its own (the refund is idempotent by order). */
export type OrderIdempotency = IdempotencyStore & {
  complete(claim: Claim, response: StoredResponse, nowMs: number): Promise<void>;
};

/** The statuses an order has (the contract's list: schemas/orders.ts). */
export type OrderStatus = (typeof ORDER_STATUS_VALUES)[number];

/** What the Orders table stores of a payment order (no personal data: notice numbers and amounts only). */
export interface OrderRecord {
  orderId: string;
  /** SHA-256 of the order token the holder was given (the token itself is never stored). */
  tokenHash: string;
  status: OrderStatus;
  noticeNos: string[];
  /** Fen, the notices' total when the order was made. */
  amount: number;
  provider: string;
  createdAt: string;
  expiresAt: string;
  returnUrl?: string;
  /** The provider's transaction id, once it reported one. */
  tradeNo?: string;
  paymentId?: string;
  receiptNo?: string;
  /** Why the order is anomalous (a problem slug, or `amount-mismatch`). */
  anomaly?: string;
  /** An anomalous order refunded by finance: the provider's refund request number, amount (fen) and when. */
  refund?: { refundId: string; amount: number; refundedAt: string };
  /** Finance's reason for the refund (staff text, kept with the order, not shown in the view). */
  refundReason?: string;
  updatedAt: string;
}

export interface OrdersPage {
  items: OrderRecord[];
  next?: { date: string; after: string };
}

export interface OrderStore {
  /** Strongly consistent reads of the notices, each with the order holding it (if any). */
  getNotices(noticeNos: string[]): Promise<Map<string, NoticeRecord>>;
  /**
   * Puts the order and holds every notice for it, atomically; false when a notice could not be held
   * (paid, cancelled, past due or held meanwhile: the caller re-reads to say which).
   */
  createWithHolds(order: OrderRecord, today: string): Promise<boolean>;
  get(orderId: string): Promise<OrderRecord | undefined>;
  /**
   * Moves the order to `next.status`, conditional on its current status being one of `from`;
   * false when it was not (someone else moved it first).
   */
  transition(
    orderId: string,
    from: readonly OrderStatus[],
    next: Partial<OrderRecord> & { status: OrderStatus },
  ): Promise<boolean>;
  /** Ends the order's holds on its notices (those another order or a payment ended are left alone). */
  releaseHolds(order: Pick<OrderRecord, 'orderId' | 'noticeNos'>): Promise<void>;
  /** Orders still `created`, oldest first (the sweep's work list). */
  openOrders(limit: number): Promise<OrderRecord[]>;
  /** Orders made on business dates from..to, newest date first, `createdAt` order within a date. */
  list(q: { from: string; to: string; limit: number; after?: { date: string; after: string } }): Promise<OrdersPage>;
}

/** What the provider says about an order's trade. */
export interface ProviderTrade {
  /** `unknown`: the provider has no trade (the payer never opened the payment page). */
  state: 'pending' | 'paid' | 'closed' | 'unknown';
  tradeNo?: string;
  /** Fen. */
  amount?: number;
}

/** A notification whose signature the provider adapter verified. */
export interface ProviderNotification extends ProviderTrade {
  orderId: string;
}

/**
 * The payment provider port (docs/adr/0015). One adapter speaks the real provider's protocol; the
 * sandbox speaks the same protocol, so going live is configuration and keys.
 */
export interface PaymentProvider {
  readonly name: string;
  /** The hosted payment page for the order (signed, no network call). */
  payUrl(o: { orderId: string; amount: number; subject: string; expiresAt: string; returnUrl?: string }): string;
  query(orderId: string): Promise<ProviderTrade>;
  /** Closes the trade; `paid` when it was paid meanwhile (the caller then records the payment). */
  close(orderId: string): Promise<'closed' | 'paid'>;
  /**
   * Checks the notification's signature and app before anything else is read from it; undefined
   * when it is not the provider's.
   */
  verifyNotification(rawBody: string): ProviderNotification | undefined;
  /**
   * Gives `amount` of the trade `bankRef` back, idempotently per `refundId` (the provider's refund
   * request number); resolves once the provider confirmed it, with when it paid the refund if it said.
   */
  refund(r: { bankRef: string; refundId: string; amount: number }): Promise<{ refundedAt?: string }>;
  /** What the provider expects as the answer to a notification it may stop retrying. */
  readonly acknowledgement: string;
}

/** The payments context's published use case (functions/payments/index.ts): one payment per order. */
export interface OnlinePayments {
  /**
   * Records the payment and, in the same transaction, moves the order to `succeeded`; `replayed`
   * when an earlier confirmation had recorded it.
   */
  payOnline(o: { orderId: string; noticeNos: string[]; amount: number; bankRef: string }): Promise<{
    paymentId: string;
    receipt: { receiptNo: string };
    replayed: boolean;
  }>;
  /** The payment as recorded, with its receipt (current status); both read at once given the receipt number. */
  getPayment(paymentId: string, receiptNo?: string): Promise<{ receipt?: unknown } & Record<string, unknown>>;
}

/** Throws `rate-limited` when an anonymous client makes too many orders. */
export type OrderLimiter = (client: string) => Promise<void>;

export interface OrderSettings {
  /** How long an order holds its notices. */
  ttlSeconds: number;
  /** A `created` order read after this long asks the provider (a notification may be missing). */
  queryAfterSeconds: number;
}

export type { Clock, NoticeRecord };
