import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { theLocalQueue, type LocalDeliveryQueue } from '../../functions/webhooks/adapters/localQueue';
import type { DeliveryMessage } from '../../functions/webhooks/ports';
import { lambdaContext, loadHandler } from './gateway';

/**
 * The local stand-in for the webhook queue's SQS event source mapping: hands the dispatcher the
 * in-process queue's messages as SQSEvent batches (up to 10, several batches at once, as Lambda
 * polls), and sends the messages it reports failed back after a visibility timeout.
 */
type QueueHandler = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>;

function sqsEvent(messages: DeliveryMessage[]): { event: SQSEvent; byId: Map<string, DeliveryMessage> } {
  const byId = new Map<string, DeliveryMessage>();
  const Records = messages.map((m) => {
    const messageId = randomUUID();
    byId.set(messageId, m);
    return {
      messageId,
      receiptHandle: messageId,
      body: JSON.stringify(m),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:local:000000000000:webhook-deliveries',
      awsRegion: 'local',
    };
  });
  return { event: { Records }, byId };
}

export async function startWebhookQueue(
  opts: { queue?: LocalDeliveryQueue; handler?: QueueHandler } = {},
): Promise<LocalDeliveryQueue> {
  const queue = opts.queue ?? theLocalQueue;
  const handler = opts.handler ?? ((await loadHandler('webhookDispatcher')) as unknown as QueueHandler);
  queue.attach({
    deliver: async (messages) => {
      const { event, byId } = sqsEvent(messages);
      const r = await handler(event, lambdaContext('webhookDispatcher'));
      const failed = (r?.batchItemFailures ?? []).map((f) => byId.get(f.itemIdentifier)).filter((m) => m !== undefined);
      if (failed.length) await queue.send(failed, 2000);
    },
  });
  return queue;
}
