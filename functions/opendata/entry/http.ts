import { EmptyBody } from '../../../schemas/common';
import { ApiKeyRequest } from '../../../schemas/opendata';
import { callerOf, httpHandler, listCursors, type HttpRequest, type HttpResponse } from '../../shared/adapters/http';
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
const { releases, clock, access, publishing, k, cursors } = httpContext();

const baseUrl = (req: HttpRequest): string => {
  const host = req.headers.host ?? 'localhost';
  const proto = req.headers['x-forwarded-proto'] ?? (/^(127\.0\.0\.1|localhost)(:|$)/.test(host) ? 'http' : 'https');
  return `${proto}://${host}`;
};

/** The query with the position its sealed cursor holds (functions/shared/domain/cursor.ts). */
function openedQuery(query: Record<string, string>, c: ReturnType<typeof listCursors>): Record<string, string> {
  const { cursor: sealed, ...rest } = query;
  const cursor = c.open(sealed);
  return cursor === undefined ? rest : { ...rest, cursor };
}

/** A page of rows as JSON or CSV (`format`, else the Accept header), 304 when the client has it. */
async function rows(req: HttpRequest): Promise<HttpResponse> {
  await access.admit(req.headers['x-api-key']);
  const csv =
    req.query.format === 'csv' || (req.query.format === undefined && /\btext\/csv\b/i.test(req.headers.accept ?? ''));
  const c = listCursors(req, cursors);
  const rowsReq = await resolveRowsRequest(releases, req.params.id!, openedQuery(req.query, c), csv ? 'csv' : 'json');
  const headers = { etag: rowsReq.etag, 'cache-control': 'private, max-age=300', vary: 'Accept' };
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch?.split(',').some((t) => t.trim().replace(/^W\//, '') === rowsReq.etag))
    return { status: 304, headers, text: '' };
  const rowsOfPage = await rowsPage(releases, rowsReq);
  const page = { ...rowsOfPage, nextCursor: c.seal(rowsOfPage.nextCursor) };
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
    const c = listCursors(req, cursors);
    const page = await releasesPage(releases, req.params.id!, openedQuery(req.query, c));
    return { status: 200, body: { ...page, nextCursor: c.seal(page.nextCursor) } };
  },
  'POST /v1/open/publish': async (req) => {
    parseWith(EmptyBody, req.body);
    const outcome = await publish(publishing, { k });
    return { status: outcome.published ? 201 : 200, body: outcome };
  },
});
