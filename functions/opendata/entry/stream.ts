import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { log } from '../../shared/adapters/log';
import { applyItems } from '../domain/aggregation';
import { streamContext } from '../wiring';

/**
 * The Payments stream consumer (Lambda event source mapping; locally infra/local/streams.ts feeds it
 * the same DynamoDBStreamEvent batches). Inserts and modifications carry the item's new image; a
 * payment or refund is counted once however often it arrives (see adapters/aggregatesTable.ts). A
 * failure throws, so the whole batch is retried; records already applied are skipped by their markers.
 */
const { aggregates, clock } = streamContext();

export const handler = async (event: DynamoDBStreamEvent): Promise<void> => {
  const items: Record<string, unknown>[] = [];
  for (const r of event.Records ?? []) {
    if (r.eventName === 'REMOVE' || !r.dynamodb?.NewImage) continue;
    items.push(unmarshall(r.dynamodb.NewImage as Record<string, AttributeValue>));
  }
  const report = await applyItems(aggregates, items, clock);
  // Counts only: a stream record's content never reaches the log.
  if (report.malformed > 0)
    log('warn', 'malformed payment records skipped', {
      ...report,
      firstSequenceNumber: event.Records?.[0]?.dynamodb?.SequenceNumber,
    });
  else log('debug', 'aggregated stream batch', { ...report, records: event.Records?.length ?? 0 });
};
