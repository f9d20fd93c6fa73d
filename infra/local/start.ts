import { LocalStackError } from './dynamodb';
import { startLocalStack } from './stack';

/**
 * `npm start`: the whole system locally, no AWS account. Ctrl-C, or SIGTERM to npm, stops everything
 * cleanly. The script is `exec node ...`: npm forwards SIGTERM to its child, and without `exec` that
 * child is a shell that dies of it and leaves this process and DynamoDB Local running, orphaned
 * (test/local/npmStart.test.ts). `DATA_DIR` (default `.data`) holds DynamoDB Local's files and the keys.
 */
const port = Number(process.env.PORT ?? 3000);
const dynamoPort = Number(process.env.DYNAMODB_PORT ?? 8000);
const dataDir = process.env.DATA_DIR ?? '.data';
const providerPort = Number(process.env.PROVIDER_PORT ?? 3001);

// A signal during start-up (DynamoDB Local already running, the gateway not yet) waits for the start
// to finish and then stops everything: Node's default, dying at once, would orphan DynamoDB Local.
const starting = startLocalStack({ port, dynamoPort, dataDir, providerPort });
let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\n${signal}: stopping (finishing in-flight requests, then DynamoDB Local)...\n`);
  const stack = await starting.catch(() => undefined);
  await stack?.stop();
  process.stdout.write('stopped.\n');
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

try {
  const stack = await starting;
  const url = stack.gateway.url;
  if (!stopping)
    process.stdout.write(
      [
        '',
        `  One-window fee collection: local stack is up`,
        `  API       ${url}/v1   (OpenAPI: ${url}/v1/openapi.json)`,
        `  Portal    ${url}/`,
        `  DynamoDB  ${stack.dynamo.endpoint} (data in ${dataDir}/dynamodb)`,
        `  Provider  ${stack.provider.url} (sandbox payment provider, Alipay protocol; orders swept every minute)`,
        `  Streams   Payments stream → open-data aggregator (polling); publisher on its schedule`,
        `  Tokens    npm run --silent token -- --role admin|finance|department|clerk|auditor [--dept D01] [--window W01]`,
        `  Stop      Ctrl-C`,
        '',
      ].join('\n') + '\n',
    );
} catch (e) {
  if (e instanceof LocalStackError) {
    process.stderr.write(`\nCannot start the local stack: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
}
