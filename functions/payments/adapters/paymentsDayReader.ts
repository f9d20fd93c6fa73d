import type { PaymentRecord, RefundRecord } from '../../../schemas/records';
import { paymentsTableKeys } from '../../../schemas/records';
import { queryPages, stripKeys, type DocClient } from '../../shared/adapters/dynamo';
import { DAY_SHARDS } from '../../ledger/adapters';

/**
 * The payments context's records of one business day, for the finance bureau's reconciliation:
 * gsi1 `PDAY#<businessDate>#<shard>` over DAY_SHARDS shards (refunds `RDAY#`). Streams one shard
 * page at a time, so memory does not grow with the day.
 */
export class PaymentsDayReader {
  constructor(
    private readonly client: DocClient,
    private readonly table: string,
  ) {}

  paymentsOfDay(businessDate: string): AsyncIterable<PaymentRecord> {
    return this.recordsOfDay<PaymentRecord>(paymentsTableKeys.paymentDayShard, businessDate, 'payment');
  }

  /** Refunds posted on the business date (each credited its payment's channel clearing in the same transaction). */
  refundsOfDay(businessDate: string): AsyncIterable<RefundRecord> {
    return this.recordsOfDay<RefundRecord>(paymentsTableKeys.refundDayShard, businessDate, 'refund');
  }

  private async *recordsOfDay<T>(
    shardKey: (date: string, shard: number) => string,
    businessDate: string,
    recordType: string,
  ): AsyncIterable<T> {
    for (let shard = 0; shard < DAY_SHARDS; shard++) {
      const pages = queryPages(this.client, {
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': shardKey(businessDate, shard) },
      });
      for await (const page of pages) for (const i of page) if (i.recordType === recordType) yield stripKeys<T>(i);
    }
  }
}
