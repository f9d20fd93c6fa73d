import { createHash } from 'node:crypto';
import { DynamoCatalogStore } from '../../catalog/store';
import { EmptyBody } from '../../../schemas/common';
import { ApiKeyRequest, DATASET_IDS } from '../../../schemas/opendata';
import { config } from '../../shared/config';
import { rateLimitTable, theClock } from '../../shared/wiring';
import { httpHandler, type HttpRequest } from '../../shared/adapters/http';
import { parseWith } from '../../shared/domain/validate';
import { DynamoAggregateStore } from '../adapters/aggregatesTable';
import { apiKeyRegistry, DynamoApiKeyStore, issueApiKey, verifyApiKey } from '../domain/apiKeys';
import { toCsv } from '../domain/datasets';
import { dataPackage, dcatCatalog } from '../domain/metadata';
import { publish } from '../domain/publishing';
import { minCellSize } from '../domain/disclosure';
import { DynamoReleaseStore } from '../adapters/releasesTable';
import { datasetDetail, listDatasets, releasesPage, requireDataset, resolveRowsRequest, rowsPage } from '../domain/releases';

/** Open data (政府数据开放): wiring only; see releases.ts, publishing.ts, apiKeys.ts, metadata.ts. */
const releases = new DynamoReleaseStore();
const keys = new DynamoApiKeyStore();
const registry = apiKeyRegistry();

/** `<requests>/<seconds>` per API key (API Gateway's usage plan throttles too when deployed). */
const { requests: keyLimit, seconds: keyWindow } = config().openData.rate;
const rateLimits = rateLimitTable();
const enforceRateLimit = (o: Parameters<typeof rateLimits.enforce>[0]) => rateLimits.enforce(o);

async function consumer(req: HttpRequest): Promise<void> {
  const keyId = await verifyApiKey(keys, req.headers['x-api-key']);
  await enforceRateLimit({ scope: 'opendata', client: keyId, limit: keyLimit, windowSeconds: keyWindow });
}

const baseUrl = (req: HttpRequest): string => {
  const host = req.headers.host ?? 'localhost';
  const proto = req.headers['x-forwarded-proto'] ?? (/^(127\.0\.0\.1|localhost)(:|$)/.test(host) ? 'http' : 'https');
  return `${proto}://${host}`;
};

const latestReleases = async () => Object.fromEntries((await Promise.all(DATASET_IDS.map(async (id) => [id, await releases.latestRelease(id)] as const))).filter(([, r]) => r));

export const handler = httpHandler('opendata', {
  'POST /v1/open/keys': async (req) => {
    // Sign-ups per caller address; the address is personal data, so only a hash of it is kept (2 minutes, TTL).
    const caller = createHash('sha256').update(req.event.requestContext?.identity?.sourceIp ?? 'unknown').digest('hex').slice(0, 32);
    await enforceRateLimit({ scope: 'opendata-signup', client: caller, limit: 30, windowSeconds: 60 });
    return { status: 201, body: await issueApiKey(keys, registry, parseWith(ApiKeyRequest, req.body), theClock().now()) };
  },
  'GET /v1/open/data.json': async (req) => ({ status: 200, body: dcatCatalog(baseUrl(req), await latestReleases(), theClock().today()) }),
  'GET /v1/open/datasets': async (req) => {
    await consumer(req);
    return { status: 200, body: { items: await listDatasets(releases) } };
  },
  'GET /v1/open/datasets/{id}': async (req) => {
    await consumer(req);
    return { status: 200, body: await datasetDetail(releases, req.params.id!) };
  },
  'GET /v1/open/datasets/{id}/datapackage.json': async (req) => {
    const def = requireDataset(req.params.id!);
    return { status: 200, body: dataPackage(baseUrl(req), def.id, await releases.latestRelease(def.id)) };
  },
  'GET /v1/open/datasets/{id}/rows': async (req) => {
    await consumer(req);
    const csv = req.query.format === 'csv' || (req.query.format === undefined && /\btext\/csv\b/i.test(req.headers.accept ?? ''));
    const rowsReq = await resolveRowsRequest(releases, req.params.id!, req.query, csv ? 'csv' : 'json');
    const headers = { etag: rowsReq.etag, 'cache-control': 'private, max-age=300', vary: 'Accept' };
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === rowsReq.etag)) return { status: 304, headers, text: '' };
    const page = await rowsPage(releases, rowsReq);
    if (!csv) return { status: 200, headers, body: page };
    return {
      status: 200,
      headers: {
        ...headers,
        'content-type': 'text/csv; charset=utf-8; header=present',
        'x-release': page.release.id,
        ...(page.nextCursor ? { 'x-next-cursor': page.nextCursor } : {}),
      },
      text: toCsv(rowsReq.def, page.items),
    };
  },
  'GET /v1/open/datasets/{id}/releases': async (req) => {
    await consumer(req);
    return { status: 200, body: await releasesPage(releases, req.params.id!, req.query) };
  },
  'POST /v1/open/publish': async (req) => {
    parseWith(EmptyBody, req.body);
    const outcome = await publish({ aggregates: new DynamoAggregateStore(), catalog: new DynamoCatalogStore(), releases }, { k: minCellSize(String(config().openData.minCell)) });
    return { status: outcome.published ? 201 : 200, body: outcome };
  },
});
