import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { log } from '../../shared/adapters/log';
import { applyItems } from '../domain/aggregation';
import { RunInterrupted } from '../ports';
import { streamContext } from '../wiring';

/**
 * The Payments stream consumer (Lambda event source mapping with ReportBatchItemFailures; locally
 * infra/local/streams.ts feeds it the same batches). Payments and refunds are counted on INSERT
 * (ADR 0004: a refund MODIFYs its payment's item, which is not a new payment). The batch is applied in
 * runs, pre-aggregated, each exactly once (ADR 0014); a run that fails reports its first record as
 * the batch item failure, so Lambda resumes from there and nothing before it is applied twice.
 */
const { aggregates, clock } = streamContext();

export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const items: Record<string, unknown>[] = [];
  const sequence: string[] = [];
  for (const r of event.Records ?? []) {
    if (r.eventName !== 'INSERT' || !r.dynamodb?.NewImage) continue;
    items.push(unmarshall(r.dynamodb.NewImage as Record<string, AttributeValue>));
    sequence.push(r.dynamodb.SequenceNumber ?? '');
  }
  try {
    const report = await applyItems(aggregates, items, clock);
    // Counts only: a stream record's content never reaches the log.
    if (report.malformed > 0)
      log('warn', 'malformed payment records skipped', {
        ...report,
        firstSequenceNumber: event.Records?.[0]?.dynamodb?.SequenceNumber,
      });
    else log('debug', 'aggregated stream batch', { ...report, records: event.Records?.length ?? 0 });
    return { batchItemFailures: [] };
  } catch (e) {
    if (!(e instanceof RunInterrupted) || !sequence[e.firstUnapplied]) throw e;
    log('warn', 'aggregation stopped part-way; resuming from the first record not applied', {
      error: e.cause instanceof Error ? e.cause.name : 'unknown',
    });
    return { batchItemFailures: [{ itemIdentifier: sequence[e.firstUnapplied]! }] };
  }
};
