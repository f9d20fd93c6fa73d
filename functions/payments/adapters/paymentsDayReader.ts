import type { PaymentRecord, RefundRecord } from '../../../schemas/records';
import { paymentsTableKeys } from '../../../schemas/records';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { queryPages, stripKeys, type DocClient, type Item } from '../../shared/adapters/dynamo';
import { DAY_SHARDS } from '../../ledger/adapters';

/**
 * The payments context's records of one business day, for the finance bureau's reconciliation:
 * payments by their key `PDAY#<businessDate>#<shard>`, refunds by gsi1 `RDAY#<businessDate>#<shard>`,
 * over DAY_SHARDS shards (schemas/records.ts). Streams one shard page at a time, so memory does not
 * grow with the day.
 */
export class PaymentsDayReader {
  constructor(
    private readonly client: DocClient,
    private readonly table: string,
  ) {}

  paymentsOfDay(businessDate: string): AsyncIterable<PaymentRecord> {
    return this.recordsOfDay<PaymentRecord>(paymentsTableKeys.paymentDayShard, businessDate, 'payment', 'table');
  }

  /** Refunds posted on the business date (each credited its payment's channel clearing in the same transaction). */
  refundsOfDay(businessDate: string): AsyncIterable<RefundRecord> {
    return this.recordsOfDay<RefundRecord>(paymentsTableKeys.refundDayShard, businessDate, 'refund', 'gsi1');
  }

  private async *recordsOfDay<T>(
    shardKey: (date: string, shard: number) => string,
    businessDate: string,
    recordType: string,
    by: 'table' | 'gsi1',
  ): AsyncIterable<T> {
    for (let shard = 0; shard < DAY_SHARDS; shard++) {
      const pages = queryPages(this.client, {
        TableName: this.table,
        ...(by === 'gsi1'
          ? { IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :p' }
          : { KeyConditionExpression: 'pk = :p' }),
        ExpressionAttributeValues: { ':p': shardKey(businessDate, shard) },
      });
      for await (const page of pages) for (const i of page) if (i.recordType === recordType) yield stripKeys<T>(i);
    }
  }

  /**
   * Every payment and refund record ever written, a page at a time (a parallel Scan of `segments`
   * segments): what the open-data aggregates are rebuilt from (`npm run aggregates:rebuild`, ADR 0014).
   */
  async *allRecords(segments = 4): AsyncIterable<Item[]> {
    const queue: Item[][] = [];
    let running = segments;
    let wake: (() => void) | undefined;
    let failure: unknown;
    const scan = async (Segment: number) => {
      let ExclusiveStartKey: Item | undefined;
      do {
        const page = await this.client.send(
          new ScanCommand({
            TableName: this.table,
            Segment,
            TotalSegments: segments,
            FilterExpression: 'recordType IN (:p, :r)',
            ExpressionAttributeValues: { ':p': 'payment', ':r': 'refund' },
            ExclusiveStartKey,
          }),
        );
        queue.push((page.Items ?? []).map((i) => stripKeys<Item>(i)));
        wake?.();
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
    };
    for (let s = 0; s < segments; s++)
      scan(s)
        .catch((e: unknown) => (failure ??= e))
        .finally(() => {
          running--;
          wake?.();
        });
    while (running > 0 || queue.length > 0) {
      if (failure) throw failure;
      const page = queue.shift();
      if (page) yield page;
      else await new Promise<void>((r) => (wake = r));
    }
    if (failure) throw failure;
  }
}
