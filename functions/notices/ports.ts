import type { FeeItem } from '../../schemas/catalog';
import type { NoticeLine, Payer } from '../../schemas/notices';
import type { Clock } from '../shared/domain/clock';

/** What the Notices table stores (the stored status never says `expired`: that is derived). */
export interface NoticeRecord {
  noticeNo: string;
  checkCode: string;
  departmentId: string;
  payer: Payer;
  lines: NoticeLine[];
  total: number;
  currency: 'CNY';
  status: 'issued' | 'paid' | 'cancelled';
  issuedAt: string;
  dueDate: string;
  paymentId?: string;
  /** Set with paymentId by the payment's transaction. */
  paidAt?: string;
  cancelledAt?: string;
  cancelReason?: string;
  /**
   * The live online payment order holding the notice (API.md "Payment orders"); only the reads the
   * payments and orders contexts make through ./adapters/index.ts carry it, never a notice view.
   */
  reservation?: { orderId: string; expiresAt: string };
}

export interface NoticePage {
  items: NoticeRecord[];
  /** Opaque position after the last item examined; undefined at the end. */
  next?: Record<string, unknown>;
}

/** Notices issued between from and to (business dates, inclusive), of one department or of all. */
export interface NoticeQuery {
  departmentId?: string;
  from: string;
  to: string;
  limit: number;
  /** A page's `next`, as this store returned it. */
  after?: Record<string, unknown>;
}

export interface NoticeStore {
  /** Conditional on the number being new; false when it is taken (the caller draws another). */
  create(n: NoticeRecord): Promise<boolean>;
  get(noticeNo: string): Promise<NoticeRecord | undefined>;
  /** Notices issued between from and to (business dates, inclusive), newest first. */
  list(q: NoticeQuery): Promise<NoticePage>;
  /** issued → cancelled, conditional on the stored status still being `issued`; false otherwise. */
  cancel(noticeNo: string, at: string, reason: string): Promise<boolean>;
}

/** Every version of one fee item, ascending (the catalog's read side). */
export type FeeVersions = (code: string) => Promise<FeeItem[]>;
/** Throws `rate-limited` when the client is over its look-up budget. */
export type LookupLimiter = (client: string) => Promise<void>;

export type { Clock };
