import * as z from 'zod/mini';
import { Cursor, EmptyBody, Limit, listOf, text } from './common';
import { lazily, type RouteDocs } from './docs';

/**
 * The open-data API contract (政府数据开放): API key sign-up, dataset metadata, releases and rows.
 * Row shapes are described per dataset by a Frictionless Table Schema (functions/opendata/domain/datasets.ts),
 * which is itself served; here they are open objects.
 */
export const DATASET_IDS = [
  'fee-catalog',
  'monthly-collections',
  'daily-channel-volume',
  'notice-to-payment-time',
] as const;
export type DatasetId = (typeof DATASET_IDS)[number];

export const ApiKeyRequest = z
  .strictObject({
    name: text(200),
    email: z.email('must be an e-mail address').check(z.maxLength(254)),
    purpose: text(1000),
  })
  .check(
    z.meta({
      id: 'ApiKeyRequest',
      description: 'The e-mail is kept to contact the consumer; it is never logged nor published',
    }),
  );
export type ApiKeyRequest = z.infer<typeof ApiKeyRequest>;

/** Shown again to the owner who presents the management token returned at sign-up. */
export const ApiKeyRevealRequest = z
  .strictObject({
    managementToken: z
      .string()
      .check(z.regex(/^odm_[A-Za-z0-9_-]{32}$/, 'not a management token'), z.meta({ maxLength: 36 })),
  })
  .check(z.meta({ id: 'ApiKeyRevealRequest' }));

export const ApiKeyParams = z.object({
  keyId: z.string().check(z.regex(/^[0-9a-f]{16}$/, 'not a key id'), z.meta({ maxLength: 16 })),
});

export const PublicationJobParams = z.object({
  jobId: z
    .string()
    .check(z.regex(/^\d{8}T\d{9}Z-[0-9a-f]{12}$/, 'not a publication job id'), z.meta({ maxLength: 31 })),
});

/** Paging and release selection; every other query parameter filters on a field of the Table Schema. */
export const RowsControl = z.object({
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(1000)), 100),
  cursor: z.optional(Cursor),
  release: z.optional(z.string().check(z.regex(/^[0-9A-Za-z-]{1,64}$/, 'not a release id'), z.meta({ maxLength: 64 }))),
  format: z.optional(z.enum(['json', 'csv'])).check(z.meta({ description: 'csv is the same as Accept: text/csv' })),
});

/** The releases list pages like every list of the API (default 50, max 500). */
export const ReleasesQuery = z.strictObject({ limit: Limit, cursor: z.optional(Cursor) });

/** Response shapes and the route docs: built on first use (OpenAPI document, tests), not at cold start. */
export const opendataDocs = lazily(() => {
  const ApiKeyIssued = z
    .object({
      apiKey: z.string(),
      keyId: z.string(),
      managementToken: z.string().check(
        z.meta({
          description:
            'Shown once: with the keyId it has the key shown again (POST /v1/open/keys/{keyId}/reveal); keep it secret',
        }),
      ),
      createdAt: z.string(),
    })
    .check(
      z.meta({
        id: 'ApiKeyIssued',
        description:
          'Neither the key nor the token is stored (only their SHA-256); the key is derived from its id with a server-held key',
      }),
    );
  const ApiKeyShown = z
    .object({ apiKey: z.string(), keyId: z.string(), createdAt: z.string() })
    .check(z.meta({ id: 'ApiKeyShown' }));

  const DisclosureReport = z
    .object({
      k: z.int().check(z.gte(3)),
      primarySuppressed: z.int(),
      secondarySuppressed: z.int(),
      smallestPublishedCount: z.nullable(z.int()),
    })
    .check(z.meta({ id: 'DisclosureReport', description: 'How small-cell suppression treated this release' }));

  const ReleaseFile = z
    .object({
      path: z.string().check(
        z.meta({
          description:
            'Where the file is, under the public base URL (the portal origin): open-data/<datasetId>/<releaseId>.csv',
        }),
      ),
      mediaType: z.string(),
      bytes: z.int(),
      sha256: z.string().check(z.meta({ description: 'SHA-256 (hex) of the file' })),
    })
    .check(
      z.meta({
        id: 'ReleaseFile',
        description: 'The whole release as a public CSV file (no key needed; immutable, cacheable for a year)',
      }),
    );

  const Release = z
    .object({
      id: z.string(),
      datasetId: z.enum(DATASET_IDS),
      publishedAt: z.string(),
      sha256: z.string().check(
        z.meta({
          description: 'SHA-256 (hex) of the rows as JSON lines, in key order, fields in Table Schema order',
        }),
      ),
      rowCount: z.int(),
      disclosure: DisclosureReport,
      periodsUpTo: z.nullable(z.string()).check(z.meta({ description: 'The last completed month the release covers' })),
      file: z.optional(ReleaseFile),
    })
    .check(z.meta({ id: 'Release', description: 'An immutable release of one dataset' }));

  const DatasetSummary = z.object({
    id: z.enum(DATASET_IDS),
    title: z.string(),
    description: z.string(),
    latestRelease: z.nullable(Release),
  });

  const DatasetDetail = z.extend(DatasetSummary, {
    keywords: z.array(z.string()),
    schema: z.record(z.string(), z.unknown()).check(z.meta({ description: 'Frictionless Table Schema' })),
    releases: z.array(Release),
  });

  const RowsPage = z.object({
    items: z.array(z.record(z.string(), z.unknown())),
    nextCursor: z.nullable(z.string()),
    release: Release,
  });

  const PublicationRequested = z
    .object({
      jobId: z.string(),
      status: z.literal('queued'),
      requestedAt: z.string(),
    })
    .check(z.meta({ id: 'PublicationRequested', description: 'Poll the job at the Location header' }));

  const PublicationJob = z
    .object({
      jobId: z.string(),
      status: z.enum(['queued', 'running', 'succeeded', 'failed']),
      requestedAt: z.string(),
      startedAt: z.optional(z.string()),
      finishedAt: z.optional(z.string()),
      publicationId: z.optional(z.string()).check(z.meta({ description: 'When succeeded' })),
      published: z
        .optional(z.boolean())
        .check(z.meta({ description: 'When succeeded: false when nothing changed since the last publication' })),
      releases: z.optional(z.array(Release)).check(z.meta({ description: 'When succeeded' })),
      error: z
        .optional(z.object({ type: z.string(), title: z.string(), detail: z.string() }))
        .check(z.meta({ description: 'When failed: the problem (e.g. disclosure-unresolved)' })),
    })
    .check(z.meta({ id: 'PublicationJob', description: 'A publication request and, once finished, its outcome' }));

  // Ids outside the list are answered 404 dataset-unknown.
  const DatasetParams = z.strictObject({ id: z.enum(DATASET_IDS) });
  const ifNoneMatch = {
    name: 'If-None-Match',
    required: false,
    description: 'The ETag of a copy the client holds: 304 without a body while it is still current',
    schema: z.string().check(z.maxLength(1000), z.regex(/^(\*|(W\/)?"[^"]*"(\s*,\s*(W\/)?"[^"]*")*)$/, 'entity tags')),
  };
  const cacheHeaders = [
    { name: 'ETag', required: true },
    { name: 'Cache-Control', required: true },
    { name: 'Vary', required: true },
  ] as const;

  const routes: RouteDocs = {
    'POST /v1/open/keys': {
      summary: 'Sign up for an open-data API key (shown once); sign-ups are rate-limited per client',
      body: ApiKeyRequest,
      response: ApiKeyIssued,
      status: 201,
      problems: ['rate-limited'],
    },
    'POST /v1/open/keys/{keyId}/reveal': {
      summary: 'Show a key again to its owner, who presents the management token returned at sign-up',
      params: ApiKeyParams,
      body: ApiKeyRevealRequest,
      response: ApiKeyShown,
      problems: ['management-token-invalid', 'rate-limited'],
    },
    'GET /v1/open/data.json': {
      summary: 'The dataset catalog as DCAT-US 1.1 (Project Open Data data.json)',
      response: z.record(z.string(), z.unknown()).check(z.meta({ description: 'A DCAT-US 1.1 catalog' })),
    },
    'GET /v1/open/datasets': {
      summary: 'The open datasets',
      response: z.omit(listOf(DatasetSummary), { nextCursor: true }),
    },
    'GET /v1/open/datasets/{id}': {
      summary: 'A dataset: metadata, Table Schema and releases',
      params: DatasetParams,
      response: DatasetDetail,
      problems: ['dataset-unknown'],
    },
    'GET /v1/open/datasets/{id}/datapackage.json': {
      summary: 'The dataset as a Frictionless Data Package v2',
      params: DatasetParams,
      response: z.record(z.string(), z.unknown()).check(z.meta({ description: 'A Frictionless Data Package v2' })),
      problems: ['dataset-unknown'],
    },
    'GET /v1/open/datasets/{id}/rows': {
      summary:
        'Rows of a release (latest by default): JSON, or CSV with Accept: text/csv (or format=csv); keyset pages; filters on any field',
      params: DatasetParams,
      query: RowsControl,
      headers: [ifNoneMatch],
      response: RowsPage,
      csvResponse: true,
      responseHeaders: [...cacheHeaders, 'X-Release', 'X-Next-Cursor'],
      alsoStatus: [
        {
          status: 304,
          description: 'Not modified: If-None-Match named the current ETag (no body)',
          headers: [...cacheHeaders],
        },
      ],
      problems: ['dataset-unknown', 'release-unknown'],
    },
    'GET /v1/open/datasets/{id}/releases': {
      summary: 'Immutable releases, newest first',
      params: DatasetParams,
      query: ReleasesQuery,
      response: listOf(Release),
      problems: ['dataset-unknown'],
    },
    'POST /v1/open/publish': {
      summary:
        'Request a publication of every dataset: 202 with a job to poll (Location: /v1/open/publications/{jobId}); the publisher function does the work',
      body: EmptyBody,
      response: PublicationRequested,
      status: 202,
      responseHeaders: [
        { name: 'Location', required: true },
        { name: 'Retry-After', required: true },
      ],
    },
    'GET /v1/open/publications/{jobId}': {
      summary: 'A publication job: queued, running, succeeded (publicationId, published, releases) or failed (error)',
      params: PublicationJobParams,
      response: PublicationJob,
      problems: ['validation-failed', 'publication-job-unknown'],
    },
  };
  return { schemas: { DisclosureReport, Release }, routes };
});
type OpendataSchemas = ReturnType<typeof opendataDocs>['schemas'];
export type DisclosureReport = z.infer<OpendataSchemas['DisclosureReport']>;
export type Release = z.infer<OpendataSchemas['Release']>;
