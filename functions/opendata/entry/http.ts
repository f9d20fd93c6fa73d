import { EmptyBody } from '../../../schemas/common';
import { ApiKeyParams, ApiKeyRequest, ApiKeyRevealRequest, PublicationJobParams } from '../../../schemas/opendata';
import { callerOf, httpHandler, listCursors, type HttpRequest, type HttpResponse } from '../../shared/adapters/http';
import { parseWith } from '../../shared/domain/validate';
import { toCsv } from '../domain/datasets';
import { dataPackage, dcatCatalog } from '../domain/metadata';
import { publicationJob, requestPublication } from '../domain/publicationJobs';
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
 * publicationJobs.ts, apiKeys.ts, metadata.ts, links.ts). What stays here is HTTP: where the request
 * came from, content negotiation and ETags.
 */
const { releases, clock, access, jobs, publisher, publicBase, cursors } = httpContext();

/** The public base of links, from the request as API Gateway (or the local gateway) describes it. */
const baseOf = (req: HttpRequest) =>
  publicBase({
    domainName: req.event.requestContext?.domainName,
    host: req.headers.host,
    forwardedProto: req.headers['x-forwarded-proto'],
    requestPath: req.event.requestContext?.path,
    resource: req.event.resource,
  });

/** Secrets in a response: no cache anywhere may keep them. */
const NO_STORE = { 'cache-control': 'no-store' };

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
    headers: NO_STORE,
    body: await access.signUp(callerOf(req), parseWith(ApiKeyRequest, req.body)),
  }),
  'POST /v1/open/keys/{keyId}/reveal': async (req) => {
    const { managementToken } = parseWith(ApiKeyRevealRequest, req.body);
    const { keyId } = parseWith(ApiKeyParams, req.params);
    return { status: 200, headers: NO_STORE, body: await access.reveal(callerOf(req), keyId, managementToken) };
  },
  'GET /v1/open/data.json': async (req) => ({
    status: 200,
    body: dcatCatalog(baseOf(req), await latestReleases(releases), clock.today()),
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
    return { status: 200, body: dataPackage(baseOf(req), def.id, await releases.latestRelease(def.id)) };
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
    const job = await requestPublication({ jobs, publisher, clock });
    return {
      status: 202,
      headers: { location: `${baseOf(req).api}/v1/open/publications/${job.jobId}`, 'retry-after': '2' },
      body: { jobId: job.jobId, status: job.status, requestedAt: job.requestedAt },
    };
  },
  'GET /v1/open/publications/{jobId}': async (req) => {
    const { jobId } = parseWith(PublicationJobParams, req.params);
    const job = await publicationJob(jobs, jobId, clock.now());
    const pending = job.status === 'queued' || job.status === 'running';
    return {
      status: 200,
      headers: { 'cache-control': 'no-store', ...(pending ? { 'retry-after': '2' } : {}) },
      body: job,
    };
  },
});
