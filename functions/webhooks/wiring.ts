import type { DynamoDBRecord } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { config, perConfiguration } from '../shared/config';
import { cursorSealing, documentClient, tableName, theClock } from '../shared/wiring';
import { checkHost, type AddressRules } from './adapters/addresses';
import { HttpWebhookSender } from './adapters/httpSender';
import { theLocalQueue } from './adapters/localQueue';
import { AesSecretBox } from './adapters/secretBox';
import { SqsDeliveryQueue } from './adapters/sqsQueue';
import { factsOfRecords, paymentReader } from './adapters/streamRecords';
import { WebhooksTable } from './adapters/webhooksTable';
import { Dispatcher } from './domain/dispatch';
import { WebhookEndpoints } from './domain/endpoints';
import type { DeliveryQueue, SecretBox } from './ports';

/**
 * The webhooks context's composition root. Deployed: SQS for the delivery queue and the sealing key
 * from WEBHOOK_SECRET_KEY; locally: the in-process queue the local stack consumes, and the key file
 * `webhook-secrets.secret` the local stack creates. Loopback receivers only where
 * WEBHOOK_ALLOW_LOCAL_HTTP says so (the local stack).
 */
export const webhooksTable = () => new WebhooksTable(documentClient(), tableName('Webhooks'));

const addressRules = (): AddressRules => ({ allowLoopback: config().webhooks.allowLocalHttp });

const queue = perConfiguration(
  (c): DeliveryQueue =>
    c.webhooks.queueUrl
      ? new SqsDeliveryQueue(c.webhooks.queueUrl, c.awsRegion ?? 'us-east-1', c.webhooks.sqsEndpoint)
      : theLocalQueue,
);
const deliveryQueue: DeliveryQueue = { send: (m, delayMs) => queue().send(m, delayMs) };

const secretBox = perConfiguration(
  (c): SecretBox =>
    new AesSecretBox(
      c.webhooks.secretKey ?? readFileSync(join(c.localKeyDir, 'webhook-secrets.secret'), 'utf8').trim(),
    ),
);
/** Read at first use: the key file need not exist when a function that never seals is loaded. */
const secrets: SecretBox = { seal: (s) => secretBox().seal(s), open: (s) => secretBox().open(s) };

export function webhooksHttpContext() {
  const endpoints = new WebhookEndpoints(
    webhooksTable(),
    secrets,
    deliveryQueue,
    () => ({
      allowLocalHttp: config().webhooks.allowLocalHttp,
      checkHost: (host) => checkHost(host, addressRules()),
    }),
    theClock(),
  );
  return { endpoints, cursors: cursorSealing };
}

/** The stream consumer: Payments (payments, refunds) and Webhooks (the outbox) → deliveries. */
export function webhookSourceContext() {
  const clock = theClock();
  const readPayment = paymentReader(documentClient(), tableName('Payments'));
  return {
    store: webhooksTable(),
    queue: deliveryQueue,
    now: () => clock.now(),
    factsOf: (records: DynamoDBRecord[]) => factsOfRecords(records, readPayment),
  };
}

/** The queue consumer. */
export function dispatcherContext() {
  const clock = theClock();
  return new Dispatcher({
    store: webhooksTable(),
    queue: deliveryQueue,
    sender: new HttpWebhookSender(addressRules),
    secrets,
    now: () => clock.now(),
    wallClock: () => new Date(),
    retryScale: () => config().webhooks.retryScale,
  });
}
