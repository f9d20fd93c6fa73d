import * as z from 'zod';
import { Limit, listOf } from './common';
import type { RouteDocs } from './docs';

/**
 * The open-data API contract (政府数据开放): API key sign-up, dataset metadata, releases and rows.
 * Row shapes are described per dataset by a Frictionless Table Schema (functions/opendata/datasets.ts),
 * which is itself served; here they are open objects.
 */
export const DATASET_IDS = ['fee-catalog', 'monthly-collections', 'daily-channel-volume', 'notice-to-payment-time'] as const;
export type DatasetId = (typeof DATASET_IDS)[number];

export const ApiKeyRequest = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    email: z.email('must be an e-mail address').max(254),
    purpose: z.string().trim().min(1).max(1000),
  })
  .meta({ id: 'ApiKeyRequest', description: 'The e-mail is kept to contact the consumer; it is never logged nor published' });
export type ApiKeyRequest = z.infer<typeof ApiKeyRequest>;

export const ApiKeyIssued = z
  .object({ apiKey: z.string(), keyId: z.string(), createdAt: z.string() })
  .meta({ id: 'ApiKeyIssued', description: 'The key is shown once; only its SHA-256 is stored' });

export const DisclosureReport = z
  .object({
    k: z.number().int().min(3),
    primarySuppressed: z.number().int(),
    secondarySuppressed: z.number().int(),
    smallestPublishedCount: z.number().int().nullable(),
  })
  .meta({ id: 'DisclosureReport', description: 'How small-cell suppression treated this release' });
export type DisclosureReport = z.infer<typeof DisclosureReport>;

export const Release = z
  .object({
    id: z.string(),
    datasetId: z.enum(DATASET_IDS),
    publishedAt: z.string(),
    sha256: z.string().meta({ description: 'SHA-256 (hex) of the rows as JSON lines, in key order, fields in Table Schema order' }),
    rowCount: z.number().int(),
    disclosure: DisclosureReport,
    periodsUpTo: z.string().nullable().meta({ description: 'The last completed month the release covers' }),
  })
  .meta({ id: 'Release', description: 'An immutable release of one dataset' });
export type Release = z.infer<typeof Release>;

export const DatasetSummary = z.object({
  id: z.enum(DATASET_IDS),
  title: z.string(),
  description: z.string(),
  latestRelease: Release.nullable(),
});

export const DatasetDetail = DatasetSummary.extend({
  keywords: z.array(z.string()),
  schema: z.record(z.string(), z.unknown()).meta({ description: 'Frictionless Table Schema' }),
  releases: z.array(Release),
});

/** Paging and release selection; every other query parameter filters on a field of the Table Schema. */
export const RowsControl = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(2048).optional(),
  release: z.string().regex(/^[0-9A-Za-z-]{1,64}$/, 'not a release id').optional(),
  format: z.enum(['json', 'csv']).optional().meta({ description: 'csv is the same as Accept: text/csv' }),
});

/** The releases list pages like every list of the API (default 50, max 500). */
export const ReleasesQuery = z.strictObject({ limit: Limit, cursor: z.string().max(2048).optional() });

export const RowsPage = z.object({
  items: z.array(z.record(z.string(), z.unknown())),
  nextCursor: z.string().nullable(),
  release: Release,
});

export const PublishResult = z.object({
  publicationId: z.string(),
  published: z.boolean().meta({ description: 'false when nothing changed since the last publication' }),
  releases: z.array(Release),
});

export const opendataRouteDocs: RouteDocs = {
  'POST /v1/open/keys': { summary: 'Sign up for an open-data API key (shown once)', body: ApiKeyRequest, response: ApiKeyIssued, status: 201, problems: ['rate-limited'] },
  'GET /v1/open/data.json': { summary: 'The dataset catalog as DCAT-US 1.1 (Project Open Data data.json)' },
  'GET /v1/open/datasets': { summary: 'The open datasets', response: listOf(DatasetSummary).omit({ nextCursor: true }), problems: ['api-key-required', 'rate-limited'] },
  'GET /v1/open/datasets/{id}': { summary: 'A dataset: metadata, Table Schema and releases', response: DatasetDetail, problems: ['api-key-required', 'dataset-unknown', 'rate-limited'] },
  'GET /v1/open/datasets/{id}/datapackage.json': { summary: 'The dataset as a Frictionless Data Package v2', problems: ['dataset-unknown'] },
  'GET /v1/open/datasets/{id}/rows': {
    summary: 'Rows of a release (latest by default): JSON, or CSV with Accept: text/csv; keyset pages; filters on any field',
    query: RowsControl,
    response: RowsPage,
    alsoStatus: [{ status: 304, description: 'Not modified: If-None-Match named the current ETag' }],
    problems: ['api-key-required', 'dataset-unknown', 'release-unknown', 'rate-limited'],
  },
  'GET /v1/open/datasets/{id}/releases': { summary: 'Immutable releases, newest first', query: ReleasesQuery, response: listOf(Release), problems: ['api-key-required', 'dataset-unknown', 'rate-limited'] },
  'POST /v1/open/publish': {
    summary: 'Publish new releases of every dataset now',
    response: PublishResult,
    status: 201,
    alsoStatus: [{ status: 200, description: 'Nothing changed since the last publication (published: false)', sameBody: true }],
    problems: ['disclosure-unresolved'],
  },
};
