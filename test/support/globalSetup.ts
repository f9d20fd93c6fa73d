import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../infra/local/dynamodb';
import { startLocalStack } from '../../infra/local/stack';

declare module 'vitest' {
  export interface ProvidedContext {
    apiUrl: string;
    dynamodbEndpoint: string;
    keyDir: string;
    openDataFilesDir: string;
    lambdaEndpoint: string;
  }
}

/** Starts the same local stack `npm start` runs, in memory and on free ports, once per test run. */
export default async function setup(project: TestProject) {
  process.env.LOG_LEVEL ??= 'warn';
  const dataDir = mkdtempSync(join(tmpdir(), 'one-window-test-'));
  const stack = await startLocalStack({
    port: await freePort(),
    dynamoPort: await freePort(),
    inMemory: true,
    dataDir,
  });
  project.provide('apiUrl', stack.gateway.url);
  project.provide('dynamodbEndpoint', stack.dynamo.endpoint);
  project.provide('keyDir', process.env.LOCAL_KEY_DIR!);
  project.provide('openDataFilesDir', process.env.OPEN_DATA_FILES_DIR!);
  project.provide('lambdaEndpoint', stack.lambda.endpoint);
  return async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
