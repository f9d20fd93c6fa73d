import { reloadConfig } from '../../functions/shared/config';
import { functions } from '../functions';
import { tableEnvVar, TABLE_NAMES } from '../../schemas/tables';
import { assertPortFree, ensureTables, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb';
import { startGateway, type Gateway } from './gateway';
import { ensureLocalKey } from './keys';
import { startPublishScheduler, type PublishScheduler } from './scheduler';
import { startStreamPoller, type StreamPoller } from './streams';

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
}

export interface LocalStack {
  gateway: Gateway;
  dynamo: DynamoDbLocal;
  /** Payments stream → aggregator; `streams.drained()` waits until it has caught up. */
  streams: StreamPoller;
  /** The publisher's schedule; `scheduler.runNow()` publishes on demand. */
  scheduler: PublishScheduler;
  stop(): Promise<void>;
}

export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  await assertPortFree(opts.port, '127.0.0.1', 'The API port');
  const dataDir = opts.dataDir ?? '.data';
  const dynamo = await startDynamoDbLocal({
    port: opts.dynamoPort,
    inMemory: opts.inMemory,
    dbPath: `${dataDir}/dynamodb`,
  });
  try {
    process.env.DYNAMODB_ENDPOINT = dynamo.endpoint;
    process.env.AWS_REGION ??= 'local';
    process.env.LOCAL_KEY_DIR = opts.keyDir ?? `${dataDir}/keys`;
    // Functions find their tables the way they do when deployed: by env var.
    for (const t of TABLE_NAMES) process.env[tableEnvVar(t)] ??= t;
    reloadConfig();
    await ensureTables(dynamo.endpoint);
    await ensureLocalKey('auth');
    await ensureLocalKey('receipt-signing');
    await ensureLocalKey('day-proof-signing');
    void functions; // (all functions load lazily on first request)
    const gateway = await startGateway({ port: opts.port });
    const streams = await startStreamPoller({ endpoint: dynamo.endpoint });
    const scheduler = startPublishScheduler();
    return {
      gateway,
      dynamo,
      streams,
      scheduler,
      stop: async () => {
        await scheduler.stop();
        await streams.stop();
        await gateway.close();
        await dynamo.stop();
      },
    };
  } catch (e) {
    await dynamo.stop();
    throw e;
  }
}
