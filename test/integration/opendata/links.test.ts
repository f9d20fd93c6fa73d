import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/opendata/entry/http';
import { publish } from '../../../functions/opendata/domain/publishing';
import { publishDeps } from '../../../functions/opendata/wiring';
import { reloadConfig } from '../../../functions/shared/config';
import { DATASET_IDS } from '../../../schemas/opendata';
import { uniq } from '../../support/api';

/**
 * Open-data links from the opendata Lambda entry, given the REST proxy events API Gateway sends for a
 * request to the execute-api URL of the `prod` stage: `requestContext.path` carries the stage,
 * `event.path` does not, and `requestContext.domainName` is the API's host. (Before links used the
 * request, they were `https://<host>/v1/...`: every one 404 when deployed.)
 */
const HOST = 'abc123.execute-api.ap-east-1.amazonaws.com';
const CLOUDFRONT = 'https://d111111abcdef8.cloudfront.net';

function stageEvent(
  method: string,
  resource: string,
  path: string,
  pathParameters: Record<string, string> | null = null,
) {
  return {
    resource,
    path,
    httpMethod: method,
    headers: { Host: HOST, 'X-Forwarded-Proto': 'https', 'content-type': 'application/json' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      requestId: uniq(),
      stage: 'prod',
      domainName: HOST,
      domainPrefix: 'abc123',
      path: `/prod${path}`,
      resourcePath: resource,
      httpMethod: method,
      identity: { sourceIp: '10.1.2.3' },
      authorizer: method === 'POST' ? { role: 'finance', sub: 'finance-1', principalId: 'finance-1' } : null,
    },
  } as unknown as APIGatewayProxyEvent;
}

const invoke = async (e: APIGatewayProxyEvent) => {
  const r = (await handler(e, { awsRequestId: uniq() } as Context)) as APIGatewayProxyResult;
  return { ...r, json: r.body ? JSON.parse(r.body) : undefined };
};

/** Every string in a document that looks like a link. */
const linksIn = (doc: unknown): string[] =>
  (JSON.stringify(doc).match(/"https?:\/\/[^"]+"/g) ?? [])
    .map((s) => JSON.parse(s) as string)
    .filter((u) => !/creativecommons|project-open-data|datapackage\.org/.test(u));

beforeAll(async () => {
  await publish(publishDeps(), { k: 5 }); // every dataset has a release with its file
});

afterEach(() => {
  delete process.env.OPEN_DATA_PUBLIC_BASE_URL;
  reloadConfig();
});

describe('open-data links through API Gateway (stage prod)', () => {
  it('puts the stage into every API link of the DCAT catalog and the Data Packages', async () => {
    const catalog = await invoke(stageEvent('GET', '/v1/open/data.json', '/v1/open/data.json'));
    expect(catalog.statusCode).toBe(200);
    expect(catalog.json['@id']).toBe(`https://${HOST}/prod/v1/open/data.json`);
    for (const d of catalog.json.dataset) {
      expect(d.identifier).toMatch(new RegExp(`^https://${HOST}/prod/v1/open/datasets/[a-z-]+$`));
      expect(d.describedBy).toBe(`${d.identifier}/datapackage.json`);
    }
    for (const id of DATASET_IDS) {
      const pkg = await invoke(
        stageEvent('GET', '/v1/open/datasets/{id}/datapackage.json', `/v1/open/datasets/${id}/datapackage.json`, {
          id,
        }),
      );
      expect(pkg.statusCode).toBe(200);
      expect(pkg.json.id).toBe(`https://${HOST}/prod/v1/open/datasets/${id}`);
    }
  });

  it('answers a publication request with a Location under the stage', async () => {
    const r = await invoke(stageEvent('POST', '/v1/open/publish', '/v1/open/publish'));
    expect(r.statusCode).toBe(202);
    expect(r.headers?.location).toBe(`https://${HOST}/prod/v1/open/publications/${r.json.jobId}`);
  });

  it('builds every link, API and files, on the configured public base (the CloudFront URL)', async () => {
    process.env.OPEN_DATA_PUBLIC_BASE_URL = `${CLOUDFRONT}/`;
    reloadConfig();
    const catalog = await invoke(stageEvent('GET', '/v1/open/data.json', '/v1/open/data.json'));
    const pkg = await invoke(
      stageEvent('GET', '/v1/open/datasets/{id}/datapackage.json', '/v1/open/datasets/fee-catalog/datapackage.json', {
        id: 'fee-catalog',
      }),
    );
    const links = [...linksIn(catalog.json), ...linksIn(pkg.json)];
    expect(links.length).toBeGreaterThan(DATASET_IDS.length * 4);
    for (const link of links)
      expect(link.startsWith(`${CLOUDFRONT}/v1/`) || link.startsWith(`${CLOUDFRONT}/open-data/`), link).toBe(true);
    const downloads = catalog.json.dataset.flatMap((d: any) =>
      d.distribution.filter((x: any) => x.mediaType === 'text/csv').map((x: any) => x.downloadURL),
    );
    expect(downloads).toHaveLength(DATASET_IDS.length);
    for (const url of downloads)
      expect(url).toMatch(new RegExp(`^${CLOUDFRONT}/open-data/[a-z-]+/[0-9A-Za-z-]+\\.csv$`));
    expect(pkg.json.resources[0].path).toMatch(new RegExp(`^${CLOUDFRONT}/open-data/fee-catalog/[0-9A-Za-z-]+\\.csv$`));
  });
});
