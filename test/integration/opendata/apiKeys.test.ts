import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tableName } from '../../../functions/shared/wiring';
import { hashApiKey } from '../../../functions/opendata/domain/apiKeys';
import { handler } from '../../../functions/opendata/entry/http';
import { documentClient as ddb } from '../../../functions/shared/wiring';
import { uniq } from '../../support/api';
import { reloadConfig } from '../../../functions/shared/config';

/** The opendata Lambda handler in-process against DynamoDB Local, with its log output captured. */
const event = (
  method: string,
  resource: string,
  body?: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyEvent =>
  ({
    resource,
    path: resource,
    httpMethod: method,
    headers: { 'content-type': 'application/json', host: '127.0.0.1', ...headers },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: body === undefined ? null : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      requestId: uniq(),
      identity: { sourceIp: `10.0.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}` },
    },
  }) as unknown as APIGatewayProxyEvent;

const invoke = (e: APIGatewayProxyEvent) =>
  handler(e, { awsRequestId: uniq() } as Context) as Promise<APIGatewayProxyResult>;

const logLevel = process.env.LOG_LEVEL;
afterEach(() => {
  vi.restoreAllMocks();
  process.env.LOG_LEVEL = logLevel;
  reloadConfig();
});

describe('open-data API keys', () => {
  it('stores only the hash of the key, and the consumer e-mail never reaches the log', async () => {
    process.env.LOG_LEVEL = 'debug';
    reloadConfig();
    const logged: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logged.push(String(chunk));
      return true;
    });
    const email = `consumer.${uniq().toLowerCase()}@example.org`;

    const res = await invoke(event('POST', '/v1/open/keys', { name: 'Lab', email, purpose: 'study' }));
    const bad = await invoke(event('POST', '/v1/open/keys', { name: 'Lab', email: `${email}x@@`, purpose: 'study' }));
    vi.restoreAllMocks();

    expect(res.statusCode).toBe(201);
    expect(bad.statusCode).toBe(400);
    const { apiKey, managementToken } = JSON.parse(res.body) as { apiKey: string; managementToken: string };
    expect(logged.length).toBeGreaterThan(0); // the access log did write
    expect(logged.join('')).not.toContain(email.split('@')[0]);
    expect(logged.join('')).not.toContain(apiKey);
    expect(logged.join('')).not.toContain(managementToken);

    // Every page of the scan: the table also holds every test's releases, far more than one page.
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await ddb().send(
        new ScanCommand({
          TableName: tableName('OpenData'),
          FilterExpression: 'begins_with(pk, :k)',
          ExpressionAttributeValues: { ':k': 'APIKEY#' },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    const mine = items.find((i) => i.email === email)!;
    expect(mine).toMatchObject({ pk: `APIKEY#${hashApiKey(apiKey)}`, keyHash: hashApiKey(apiKey) });
    expect(JSON.stringify(items)).not.toContain(apiKey);
    expect(JSON.stringify(items)).not.toContain(managementToken);

    const ok = await invoke(event('GET', '/v1/open/datasets', undefined, { 'x-api-key': apiKey }));
    expect(ok.statusCode).toBe(200);
    expect(ok.body).not.toContain(email);
  });
});
