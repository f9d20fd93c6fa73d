import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../infra/local/dynamodb';
import { startLocalStack } from '../../infra/local/stack';
import { startValidatingProxy } from './prism';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The validating proxy (Prism) in front of the gateway: what API tests call. */
    apiUrl: string;
    /** The local gateway itself: the portal, and requests Prism cannot carry (see support/api.ts). */
    gatewayUrl: string;
    dynamodbEndpoint: string;
    keyDir: string;
    openDataFilesDir: string;
    lambdaEndpoint: string;
    /** The sandbox payment provider (its own HTTP service; test control at /sandbox/orders/{id}/complete). */
    providerUrl: string;
    /** The functions' provider settings (PAYMENT_* variables), for workers that build the orders context. */
    providerEnv: Record<string, string>;
  }
}

/**
 * Starts the same local stack `npm start` runs, in memory and on free ports, once per test run, and
 * the validating proxy in front of it with the OpenAPI document the gateway serves.
 */
export default async function setup(project: TestProject) {
  process.env.LOG_LEVEL ??= 'warn';
  // Webhook retries in milliseconds instead of minutes (5 s → 1 ms, 5 min → 60 ms, 30 min → 360 ms).
  process.env.WEBHOOK_RETRY_SCALE ??= '0.0002';
  // A created order read at all asks the provider at once (the delay is a deployment setting).
  process.env.PAYMENT_ORDER_QUERY_AFTER_SECONDS ??= '0';
  // Every file's orders reach the gateway through the proxy, from one address: one client's budget
  // would be spent by the others. The limit itself is tested on stacks of their own
  // (orderLifecycle.test.ts, privacy.test.ts).
  process.env.PAYMENT_ORDER_LIMIT ??= '100000';
  // Receipt look-ups likewise: the portal, console and API files all look receipts up through the one
  // address; the limit is tested on the privacy test's own stack. (Notice look-ups keep theirs:
  // notices.test.ts checks it here, from an address of its own.)
  process.env.RECEIPT_LOOKUP_LIMIT ??= '100000';
  const dataDir = mkdtempSync(join(tmpdir(), 'one-window-test-'));
  const stack = await startLocalStack({
    port: await freePort(),
    dynamoPort: await freePort(),
    inMemory: true,
    dataDir,
    // Notifications retried fast, so a test sees an unacknowledged one come again within a second.
    providerRetryDelaysMs: [100, 200, 400, 800],
  });
  const document = await (await fetch(`${stack.gateway.url}/v1/openapi.json`)).json();
  const proxy = await startValidatingProxy({ upstream: stack.gateway.url, document }).catch(async (e: unknown) => {
    await stack.stop();
    throw e;
  });
  project.provide('apiUrl', proxy.url);
  project.provide('gatewayUrl', stack.gateway.url);
  project.provide('dynamodbEndpoint', stack.dynamo.endpoint);
  project.provide('keyDir', process.env.LOCAL_KEY_DIR!);
  project.provide('openDataFilesDir', process.env.OPEN_DATA_FILES_DIR!);
  project.provide('lambdaEndpoint', stack.lambda.endpoint);
  project.provide('providerUrl', stack.provider.url);
  project.provide(
    'providerEnv',
    Object.fromEntries(
      Object.entries(process.env).filter(([k, v]) => k.startsWith('PAYMENT_') && v !== undefined),
    ) as Record<string, string>,
  );
  return async () => {
    await proxy.stop();
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
