import { config, reloadConfig } from '../../functions/shared/config';
import { functions } from '../functions';
import { tableEnvVar, TABLE_NAMES } from '../../schemas/tables';
import { assertPortFree, ensureTables, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb';
import { loadHandler, startGateway, type Gateway } from './gateway';
import { ensureLocalKey, ensureLocalSecret } from './keys';
import { createLocalOidc, MOUNT as OIDC_MOUNT } from './oidc/provider';
import { startLocalLambda, type LocalLambda } from './lambda';
import { ensureRsaKeyPair } from './paymentSandbox/protocol';
import { startPaymentSandbox, type PaymentSandbox } from './paymentSandbox/server';
import { startPublishScheduler, startSweepScheduler, type PublishScheduler, type SweepScheduler } from './scheduler';
import { buildWeb } from '../web/build';
import { startStreamPoller, type StreamPoller } from './streams';
import { startWebhookQueue } from './webhookQueue';
import type { LocalDeliveryQueue } from '../../functions/webhooks/adapters/localQueue';
import { tableName } from '../../functions/shared/wiring';

/**
 * The whole system on one machine: DynamoDB Local, tables, keys, and the gateway. `npm start` and
 * the test suite's global setup both call this, so tests run what a developer runs.
 */
export interface LocalStackOptions {
  port: number;
  dynamoPort: number;
  /** Tests run in memory; `npm start` persists under `.data/`. */
  inMemory?: boolean;
  dataDir?: string;
  keyDir?: string;
  /** The demo accounts' password on the local OpenID Provider (DEMO_PASSWORD, default `demo`). */
  demoPassword?: string;
  /** The sandbox payment provider's port (PROVIDER_PORT); 0 picks a free one. */
  providerPort?: number;
  /** The sandbox's notification retry delays (tests retry fast). */
  providerRetryDelaysMs?: number[];
}

export interface LocalStack {
  gateway: Gateway;
  dynamo: DynamoDbLocal;
  /** Payments stream → aggregator; `streams.drained()` waits until it has caught up. */
  streams: StreamPoller;
  /** Payments stream and the Webhooks outbox → webhook deliveries, and the delivery queue's consumer. */
  webhooks: { payments: StreamPoller; outbox: StreamPoller; queue: LocalDeliveryQueue };
  /** The publisher's schedule; `scheduler.runNow()` publishes on demand. */
  scheduler: PublishScheduler;
  /** The Lambda Invoke API's stand-in (the opendata function starts publication jobs through it). */
  lambda: LocalLambda;
  /** The sandbox payment provider (its own HTTP service) and the sweep of open orders. */
  provider: PaymentSandbox;
  sweep: SweepScheduler;
  stop(): Promise<void>;
}

export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  await assertPortFree(opts.port, '127.0.0.1', 'The API port');
  // The gateway serves the built apps; a source change since the last build rebuilds them here.
  await buildWeb({ log: (line) => process.stderr.write(`${line}\n`) });
  const dataDir = opts.dataDir ?? '.data';
  const dynamo = await startDynamoDbLocal({
    port: opts.dynamoPort,
    inMemory: opts.inMemory,
    dbPath: `${dataDir}/dynamodb`,
  });
  let scheduler: PublishScheduler | undefined;
  let lambda: LocalLambda | undefined;
  let provider: PaymentSandbox | undefined;
  let sweep: SweepScheduler | undefined;
  try {
    process.env.DYNAMODB_ENDPOINT = dynamo.endpoint;
    process.env.AWS_REGION ??= 'local';
    process.env.LOCAL_KEY_DIR = opts.keyDir ?? `${dataDir}/keys`;
    // Published release files, which the gateway serves at /open-data/ (S3 and CloudFront deployed).
    process.env.OPEN_DATA_FILES_DIR = `${dataDir}/open-data`;
    // Functions find their tables the way they do when deployed: by env var.
    for (const t of TABLE_NAMES) process.env[tableEnvVar(t)] ??= t;
    reloadConfig();
    await ensureTables(dynamo.endpoint);
    await ensureLocalKey('auth');
    await ensureLocalKey('receipt-signing');
    ensureLocalSecret('open-data-keys');
    ensureLocalSecret('webhook-secrets');
    // The local stack's department systems run on this machine: http://127.0.0.1 receivers (ADR 0016).
    process.env.WEBHOOK_ALLOW_LOCAL_HTTP ??= 'true';
    await ensureLocalKey('day-proof-signing');
    void functions; // (all functions load lazily on first request)
    const publisher = startPublishScheduler();
    scheduler = publisher;
    // The publisher runs in this process, after (never beside) a scheduled run, as one at a time.
    lambda = await startLocalLambda({
      invoke: (fn, event, context) =>
        fn === 'publisher' ? publisher.invoke(event) : loadHandler(fn).then((h) => h(event, context)),
    });
    process.env.LAMBDA_ENDPOINT = lambda.endpoint;
    process.env.OPEN_DATA_PUBLISHER_FUNCTION = 'publisher';
    provider = await startProvider(opts, dataDir);
    sweep = startSweepScheduler();
    reloadConfig();
    const gateway = await startGateway({ port: opts.port });
    // The local OpenID Provider on the gateway's port; the authorizer trusts its issuer (same key file).
    const oidc = createLocalOidc({
      issuer: `${gateway.url}${OIDC_MOUNT}`,
      audience: config().auth.audience,
      signingKey: await ensureLocalKey('auth'),
      demoPassword: opts.demoPassword ?? 'demo',
    });
    gateway.mount(OIDC_MOUNT, oidc.handle);
    process.env.LOCAL_OIDC_ISSUER = oidc.issuer;
    reloadConfig();
    const streams = await startStreamPoller({ endpoint: dynamo.endpoint });
    // A second reader of the Payments stream, as a second event source mapping is deployed.
    const webhookSource = (await loadHandler('webhookSource')) as Parameters<typeof startStreamPoller>[0]['handler'];
    const webhooks = {
      payments: await startStreamPoller({ endpoint: dynamo.endpoint, handler: webhookSource, fn: 'webhookSource' }),
      outbox: await startStreamPoller({
        endpoint: dynamo.endpoint,
        table: tableName('Webhooks'),
        handler: webhookSource,
        fn: 'webhookSource',
      }),
      queue: await startWebhookQueue(),
    };
    const invoker = lambda;
    return {
      gateway,
      dynamo,
      streams,
      webhooks,
      scheduler: publisher,
      lambda: invoker,
      provider,
      sweep,
      stop: async () => {
        await sweep?.stop();
        await provider?.stop();
        await invoker.stop();
        await publisher.stop();
        await streams.stop();
        await webhooks.payments.stop();
        await webhooks.outbox.stop();
        webhooks.queue.stop();
        await gateway.close();
        await dynamo.stop();
      },
    };
  } catch (e) {
    await sweep?.stop();
    await provider?.stop();
    await lambda?.stop();
    await scheduler?.stop();
    await dynamo.stop();
    throw e;
  }
}

/**
 * The sandbox payment provider with its own key (under DATA_DIR/sandbox) serving the merchant app
 * whose key pair the functions sign with (under the key dir); the functions are pointed at it the way
 * a deployment points them at Alipay: gateway, app id, keys and the notification address.
 */
async function startProvider(opts: LocalStackOptions, dataDir: string): Promise<PaymentSandbox> {
  const merchant = ensureRsaKeyPair(process.env.LOCAL_KEY_DIR!, 'payment-merchant');
  const platform = ensureRsaKeyPair(`${dataDir}/sandbox`, 'sandbox-platform');
  const appId = 'sandbox-app';
  const sandbox = await startPaymentSandbox({
    port: opts.providerPort ?? 0,
    appId,
    merchantPublicKey: merchant.publicKey,
    privateKey: platform.privateKey,
    retryDelaysMs: opts.providerRetryDelaysMs,
    // Trades survive an `npm start` restart like the rest of the local state (in memory for tests).
    ...(opts.inMemory ? {} : { tradesFile: `${dataDir}/sandbox/trades.json` }),
  });
  process.env.PAYMENT_PROVIDER_GATEWAY = sandbox.gatewayUrl;
  process.env.PAYMENT_PROVIDER_APP_ID = appId;
  process.env.PAYMENT_PROVIDER_PRIVATE_KEY = merchant.privateKey;
  process.env.PAYMENT_PROVIDER_PUBLIC_KEY = platform.publicKey;
  process.env.PAYMENT_NOTIFY_BASE_URL = `http://127.0.0.1:${opts.port}`;
  return sandbox;
}
