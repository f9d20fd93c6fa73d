import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DeliveryMessage, DeliveryQueue } from '../ports';

/**
 * Deployed: the delivery queue is SQS (with a dead-letter queue; infra/constructs/webhooks.ts).
 * SendMessageBatch through the SDK's SQS client, loaded at the first send (only the functions that
 * enqueue pay for it).
 */
export class SqsDeliveryQueue implements DeliveryQueue {
  private client?: Promise<{ sqs: SQSClient; Send: typeof import('@aws-sdk/client-sqs').SendMessageBatchCommand }>;
  constructor(
    private readonly queueUrl: string,
    private readonly region: string,
    /** Another address than the regional one (AWS_ENDPOINT_URL_SQS). */
    private readonly endpoint?: string,
  ) {}

  private load() {
    this.client ??= import('@aws-sdk/client-sqs').then(({ SQSClient, SendMessageBatchCommand }) => ({
      sqs: new SQSClient({ region: this.region, ...(this.endpoint ? { endpoint: this.endpoint } : {}) }),
      Send: SendMessageBatchCommand,
    }));
    return this.client;
  }

  async send(messages: DeliveryMessage[], delayMs: number): Promise<void> {
    if (messages.length === 0) return;
    const DelaySeconds = Math.min(900, Math.max(0, Math.ceil(delayMs / 1000)));
    const { sqs, Send } = await this.load();
    const answer = await sqs.send(
      new Send({
        QueueUrl: this.queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), MessageBody: JSON.stringify(m), DelaySeconds })),
      }),
    );
    // A refused entry must not be dropped silently: throwing retries the caller's batch or message.
    if ((answer.Failed?.length ?? 0) > 0)
      throw new Error(`SQS SendMessageBatch refused ${answer.Failed!.length} entries`);
  }
}
