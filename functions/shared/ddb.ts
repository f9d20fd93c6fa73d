import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * One DynamoDB document client per process, created on first use (not at import, so cold start pays
 * only for what a request needs). Locally `DYNAMODB_ENDPOINT` points at DynamoDB Local.
 */
let client: DynamoDBDocumentClient | undefined;

export function ddb(): DynamoDBDocumentClient {
  if (!client) {
    const endpoint = process.env.DYNAMODB_ENDPOINT;
    const base = new DynamoDBClient(
      endpoint
        ? { endpoint, region: process.env.AWS_REGION ?? 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
        : {},
    );
    client = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  }
  return client;
}

/**
 * The port stores take instead of calling ddb() directly, so tests can wrap `send` (e.g. to inject a
 * failure at a chosen call) without module mocking.
 */
export type DocClient = Pick<DynamoDBDocumentClient, 'send'>;
