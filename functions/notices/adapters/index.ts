import type { DocClient, Item, TransactItem } from '../../shared/adapters/dynamo';
import { batchGetAll } from '../../shared/adapters/dynamo';
import type { NoticeRecord } from '../ports';
import { noticeKey, toNoticeRecord } from './noticesTable';

/** A stored notice with the online payment order holding it, if any. */
const withReservation = (i: Item): NoticeRecord => {
  const n = toNoticeRecord(i);
  return typeof i.reservedBy === 'string'
    ? { ...n, reservation: { orderId: i.reservedBy, expiresAt: String(i.reservedUntil) } }
    : n;
};

/**
 * The notices context's published storage interface, for the payments context's adapter: read
 * notices consistently, and the transaction entry that marks one paid. The key layout and the
 * stored shape stay the notices context's own.
 */
export class NoticesForPayments {
  constructor(
    protected readonly client: DocClient,
    protected readonly table: string,
  ) {}

  /** Strongly consistent reads of the notices that exist, each with the order holding it (if any). */
  async getNotices(noticeNos: readonly string[]): Promise<Map<string, NoticeRecord>> {
    const items = await batchGetAll(this.client, this.table, noticeNos.map(noticeKey), { consistent: true });
    return new Map(items.map(withReservation).map((n) => [n.noticeNo, n]));
  }

  /**
   * The entry that flips a notice from issued to paid, failing if it is no longer issued, is past
   * due, or is held by an online payment order other than `orderId` (a counter payment has none, so
   * any hold stops it). The hold ends with the payment.
   */
  markPaidItem(
    noticeNo: string,
    paid: { paymentId: string; paidAt: string; today: string; orderId?: string },
  ): TransactItem {
    return {
      Update: {
        TableName: this.table,
        Key: noticeKey(noticeNo),
        UpdateExpression: 'SET #s = :paid, paymentId = :pid, paidAt = :at REMOVE reservedBy, reservedUntil',
        ConditionExpression:
          '#s = :issued AND dueDate >= :today AND (attribute_not_exists(reservedBy) OR reservedBy = :order)',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':paid': 'paid',
          ':issued': 'issued',
          ':pid': paid.paymentId,
          ':at': paid.paidAt,
          ':today': paid.today,
          ':order': paid.orderId ?? '',
        },
      },
    };
  }
}

/**
 * For the orders context's adapter: the same reads, and the entries that put a payable notice on
 * hold for one online payment order and release it.
 */
export class NoticesForOrders extends NoticesForPayments {
  /** Holds an issued, unexpired, unheld notice for `orderId` until `expiresAt` (in the order's transaction). */
  reserveItem(noticeNo: string, hold: { orderId: string; expiresAt: string; today: string }): TransactItem {
    return {
      Update: {
        TableName: this.table,
        Key: noticeKey(noticeNo),
        UpdateExpression: 'SET reservedBy = :order, reservedUntil = :until',
        ConditionExpression: '#s = :issued AND dueDate >= :today AND attribute_not_exists(reservedBy)',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':order': hold.orderId,
          ':until': hold.expiresAt,
          ':issued': 'issued',
          ':today': hold.today,
        },
      },
    };
  }

  /** Ends `orderId`'s hold on a notice; a no-op (condition) when another order or a payment ended it. */
  releaseItem(noticeNo: string, orderId: string) {
    return {
      TableName: this.table,
      Key: noticeKey(noticeNo),
      UpdateExpression: 'REMOVE reservedBy, reservedUntil',
      ConditionExpression: 'reservedBy = :order',
      ExpressionAttributeValues: { ':order': orderId },
    };
  }
}
