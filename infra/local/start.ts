import { LocalStackError } from './dynamodb';
import { startLocalStack } from './stack';

/** `npm start`: the whole system locally, no AWS account. Ctrl-C stops everything cleanly. */
const port = Number(process.env.PORT ?? 3000);
const dynamoPort = Number(process.env.DYNAMODB_PORT ?? 8000);

try {
  const stack = await startLocalStack({ port, dynamoPort });
  const url = stack.gateway.url;
  process.stdout.write(
    [
      '',
      `  One-window fee collection: local stack is up`,
      `  API       ${url}/v1   (OpenAPI: ${url}/v1/openapi.json)`,
      `  Portal    ${url}/`,
      `  DynamoDB  ${stack.dynamo.endpoint} (data in .data/dynamodb)`,
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
