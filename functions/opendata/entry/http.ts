import { EmptyBody } from '../../../schemas/common';
import { ApiKeyRequest } from '../../../schemas/opendata';
import { callerOf, httpHandler, type HttpRequest, type HttpResponse } from '../../shared/adapters/http';
import { parseWith } from '../../shared/domain/validate';
import { toCsv } from '../domain/datasets';
import { dataPackage, dcatCatalog } from '../domain/metadata';
import { publish } from '../domain/publishing';
import {
  datasetDetail,
  latestReleases,
  listDatasets,
  releasesPage,
  requireDataset,
  resolveRowsRequest,
  rowsPage,
} from '../domain/releases';
import { httpContext } from '../wiring';

/**
 * Open data (政府数据开放) over HTTP; the rules are in domain/ (releases.ts, publishing.ts,
 * apiKeys.ts, metadata.ts). What stays here is HTTP: the base URL, content negotiation and ETags.
 */
const { releases, clock, access, publishing, k } = httpContext();

const baseUrl = (req: HttpRequest): string => {
  const host = req.headers.host ?? 'localhost';
  const proto = req.headers['x-forwarded-proto'] ?? (/^(127\.0\.0\.1|localhost)(:|$)/.test(host) ? 'http' : 'https');
  return `${proto}://${host}`;
};

/** A page of rows as JSON or CSV (`format`, else the Accept header), 304 when the client has it. */
async function rows(req: HttpRequest): Promise<HttpResponse> {
  await access.admit(req.headers['x-api-key']);
  const csv =
    req.query.format === 'csv' || (req.query.format === undefined && /\btext\/csv\b/i.test(req.headers.accept ?? ''));
  const rowsReq = await resolveRowsRequest(releases, req.params.id!, req.query, csv ? 'csv' : 'json');
  const headers = { etag: rowsReq.etag, 'cache-control': 'private, max-age=300', vary: 'Accept' };
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch?.split(',').some((t) => t.trim().replace(/^W\//, '') === rowsReq.etag))
    return { status: 304, headers, text: '' };
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
}

export const handler = httpHandler('opendata', {
  'POST /v1/open/keys': async (req) => ({
    status: 201,
    body: await access.signUp(callerOf(req), parseWith(ApiKeyRequest, req.body)),
  }),
  'GET /v1/open/data.json': async (req) => ({
    status: 200,
    body: dcatCatalog(baseUrl(req), await latestReleases(releases), clock.today()),
  }),
  'GET /v1/open/datasets': async (req) => {
    await access.admit(req.headers['x-api-key']);
    return { status: 200, body: { items: await listDatasets(releases) } };
  },
  'GET /v1/open/datasets/{id}': async (req) => {
    await access.admit(req.headers['x-api-key']);
    return { status: 200, body: await datasetDetail(releases, req.params.id!) };
  },
  'GET /v1/open/datasets/{id}/datapackage.json': async (req) => {
    const def = requireDataset(req.params.id!);
    return { status: 200, body: dataPackage(baseUrl(req), def.id, await releases.latestRelease(def.id)) };
  },
  'GET /v1/open/datasets/{id}/rows': rows,
  'GET /v1/open/datasets/{id}/releases': async (req) => {
    await access.admit(req.headers['x-api-key']);
    return { status: 200, body: await releasesPage(releases, req.params.id!, req.query) };
  },
  'POST /v1/open/publish': async (req) => {
    parseWith(EmptyBody, req.body);
    const outcome = await publish(publishing, { k });
    return { status: outcome.published ? 201 : 200, body: outcome };
  },
});
