import type { DocClient, TransactItem } from '../../shared/adapters/dynamo';
import { batchGetAll } from '../../shared/adapters/dynamo';
import type { NoticeRecord } from '../ports';
import { noticeKey, toNoticeRecord } from './noticesTable';

/**
 * The notices context's published storage interface, for the payments context's adapter: read
 * notices consistently, and the transaction entry that marks one paid. The key layout and the
 * stored shape stay the notices context's own.
 */
export class NoticesForPayments {
  constructor(
    private readonly client: DocClient,
    private readonly table: string,
  ) {}

  /** Strongly consistent reads of the notices that exist. */
  async getNotices(noticeNos: readonly string[]): Promise<Map<string, NoticeRecord>> {
    const items = await batchGetAll(this.client, this.table, noticeNos.map(noticeKey), { consistent: true });
    return new Map(items.map((i) => toNoticeRecord(i)).map((n) => [n.noticeNo, n]));
  }

  /** The keys of these notices in `table`, for a read that batches them with another table's (one round trip). */
  keysOf(noticeNos: readonly string[]): { table: string; keys: Record<string, string>[] } {
    return { table: this.table, keys: noticeNos.map(noticeKey) };
  }

  /** The notices among items read by `keysOf`'s keys. */
  recordsOf(items: readonly Record<string, unknown>[]): Map<string, NoticeRecord> {
    return new Map(items.map((i) => toNoticeRecord(i)).map((n) => [n.noticeNo, n]));
  }

  /** The entry that flips a notice from issued to paid, failing if it is no longer issued or is past due. */
  markPaidItem(noticeNo: string, paid: { paymentId: string; paidAt: string; today: string }): TransactItem {
    return {
      Update: {
        TableName: this.table,
        Key: noticeKey(noticeNo),
        UpdateExpression: 'SET #s = :paid, paymentId = :pid, paidAt = :at',
        ConditionExpression: '#s = :issued AND dueDate >= :today',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':paid': 'paid',
          ':issued': 'issued',
          ':pid': paid.paymentId,
          ':at': paid.paidAt,
          ':today': paid.today,
        },
      },
    };
  }
}
