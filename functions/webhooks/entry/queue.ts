import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { log } from '../../shared/adapters/log';
import type { DeliveryMessage } from '../ports';
import { dispatcherContext } from '../wiring';

/**
 * The delivery queue's consumer (SQS event source mapping with partial batch responses; locally the
 * in-process queue sends the same SQSEvent). Each message is one attempt; a message whose attempt
 * could not even be recorded (DynamoDB unavailable) is reported failed and comes back after the
 * visibility timeout, and after maxReceiveCount goes to the dead-letter queue (an alarm watches it).
 */
const dispatcher = dispatcherContext();

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  await Promise.all(
    (event.Records ?? []).map(async (r) => {
      let message: DeliveryMessage;
      try {
        message = JSON.parse(r.body) as DeliveryMessage;
      } catch {
        log('warn', 'unreadable delivery message dropped', { messageId: r.messageId });
        return;
      }
      try {
        const result = await dispatcher.dispatch(message);
        log('debug', 'webhook attempt', { deliveryId: message.deliveryId, result });
      } catch (e) {
        log('warn', 'webhook attempt not recorded; will retry', {
          deliveryId: message.deliveryId,
          error: e instanceof Error ? e.name : 'unknown',
        });
        failures.push({ itemIdentifier: r.messageId });
      }
    }),
  );
  return { batchItemFailures: failures };
};
