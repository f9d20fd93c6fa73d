import type { DynamoDBStreamEvent } from 'aws-lambda';
import { log } from '../../shared/adapters/log';
import { eventsOf } from '../domain/events';
import { fanOut } from '../domain/fanout';
import { webhookSourceContext } from '../wiring';

/**
 * The Payments stream and the Webhooks table's stream (its outbox) → one delivery per event and
 * subscribed endpoint, queued. A failure throws and the batch is retried (Lambda's event source
 * mapping, or infra/local/streams.ts); deliveries and event ids are derived, so a retried batch
 * makes no new ones.
 */
const ctx = webhookSourceContext();

export const handler = async (event: DynamoDBStreamEvent): Promise<void> => {
  const { facts, malformed } = await ctx.factsOf(event.Records ?? []);
  const report = await fanOut(facts.flatMap(eventsOf), ctx);
  // Counts only: no stream content reaches the log.
  if (malformed > 0) log('warn', 'unreadable records skipped', { malformed, ...report });
  else log('debug', 'webhook events queued', report);
};
