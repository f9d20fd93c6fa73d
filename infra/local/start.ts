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

try {
  const stack = await startLocalStack({ port, dynamoPort, dataDir });
  const url = stack.gateway.url;
  process.stdout.write(
    [
      '',
      `  One-window fee collection: local stack is up`,
      `  API       ${url}/v1   (OpenAPI: ${url}/v1/openapi.json)`,
      `  Portal    ${url}/`,
      `  DynamoDB  ${stack.dynamo.endpoint} (data in ${dataDir}/dynamodb)`,
      `  Streams   Payments stream → open-data aggregator (polling); publisher on its schedule`,
      `  Tokens    npm run --silent token -- --role admin|finance|department|clerk|auditor [--dept D01] [--window W01]`,
      `  Stop      Ctrl-C`,
      '',
    ].join('\n') + '\n',
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping (finishing in-flight requests, then DynamoDB Local)...\n`);
    await stack.stop();
    process.stdout.write('stopped.\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
} catch (e) {
  if (e instanceof LocalStackError) {
    process.stderr.write(`\nCannot start the local stack: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
}
