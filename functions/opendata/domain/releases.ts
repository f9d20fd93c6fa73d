import { createHash } from 'node:crypto';
import { DATASET_IDS, ReleasesQuery, RowsControl, type DatasetId, type Release } from '../../../schemas/opendata';
import { DomainError, type FieldError } from '../../shared/domain/errors';
import { decodeCursor, encodeCursor } from '../../shared/domain/cursor';
import { fieldKey, parseWith } from '../../shared/domain/validate';
import type { ReleaseStore, RowsQuery } from '../ports';
import { DATASETS, datasetDef, filterValue, orderedRow, tableSchema, type DatasetDef } from './datasets';

/**
 * Reading published releases: the use cases behind the data routes, over the ReleaseStore port.
 * Rows of a release are stored under it in key order, so a page is a keyset query from the
 * cursor's key: page 1 and page 10,000 cost the same. A release never changes, so a response is
 * identified by (release, query) and its ETag needs no read of the rows.
 */
export function requireDataset(id: string): DatasetDef {
  const def = datasetDef(id);
  if (!def) throw new DomainError('dataset-unknown', 'No open dataset with this id; see GET /v1/open/datasets');
  return def;
}

export async function listDatasets(store: ReleaseStore) {
  return Promise.all(
    DATASET_IDS.map(async (id) => ({
      id,
      title: DATASETS[id].title,
      description: DATASETS[id].description,
      latestRelease: (await store.latestRelease(id)) ?? null,
    })),
  );
}

/** The latest release of every dataset that has one (the DCAT catalog's `modified`). */
export async function latestReleases(store: ReleaseStore): Promise<Partial<Record<DatasetId, Release>>> {
  const latest = await Promise.all(DATASET_IDS.map(async (id) => [id, await store.latestRelease(id)] as const));
  return Object.fromEntries(latest.filter(([, r]) => r));
}

export async function datasetDetail(store: ReleaseStore, id: string) {
  const def = requireDataset(id);
  const releases = await store.listReleases(def.id, 20);
  return {
    id: def.id,
    title: def.title,
    description: def.description,
    keywords: def.keywords,
    latestRelease: releases.items[0] ?? null,
    schema: tableSchema(def),
    releases: releases.items,
  };
}

export async function releasesPage(store: ReleaseStore, id: string, query: Record<string, string>) {
  const def = requireDataset(id);
  // A list like any other (API.md "Lists": default 50, max 500); only rows go up to 1000.
  const q = parseWith(ReleasesQuery, query);
  const cursor = decodeCursor(q.cursor);
  const page = await store.listReleases(def.id, q.limit, typeof cursor?.k === 'string' ? cursor.k : undefined);
  return { items: page.items, nextCursor: page.last ? encodeCursor({ k: page.last }) : null };
}

export interface RowsRequest {
  def: DatasetDef;
  release: Release;
  query: RowsQuery;
  etag: string;
}

type Filters = Record<string, string | number | boolean>;

/** One equality filter per query parameter, typed by the field; unknown fields and bad values go to `errors`. */
function parseFilters(def: DatasetDef, params: Record<string, string>, errors: FieldError[]): Filters {
  const filters: Filters = {};
  for (const [name, raw] of Object.entries(params)) {
    const field = def.fields.find((f) => f.name === name);
    if (!field) {
      errors.push({
        path: fieldKey(name),
        message: `not a field of ${def.id}; filter on one of ${def.fields.map((f) => f.name).join(', ')}`,
      });
      continue;
    }
    const v = filterValue(field, raw);
    if (v === undefined) errors.push({ path: name, message: `not a valid ${field.type}` });
    else filters[name] = v;
  }
  return filters;
}

/** Equality filters on a leading run of key fields become a key prefix (no rows read in vain). */
function rowsQueryOf(def: DatasetDef, filters: Filters, after: string | undefined, limit: number): RowsQuery {
  const prefixParts: string[] = [];
  for (const f of def.key) {
    if (!Object.hasOwn(filters, f)) break;
    prefixParts.push(String(filters[f]));
  }
  const keyFilters = new Set(def.key.slice(0, prefixParts.length));
  return {
    keyPrefix:
      prefixParts.length === 0
        ? undefined
        : prefixParts.length === def.key.length
          ? prefixParts.join('#')
          : prefixParts.join('#') + '#',
    filters: Object.fromEntries(Object.entries(filters).filter(([k]) => !keyFilters.has(k))),
    after,
    limit,
  };
}

/** Validates the query (paging, release, a filter per field) and resolves the release. */
export async function resolveRowsRequest(
  store: ReleaseStore,
  id: string,
  query: Record<string, string>,
  format: 'json' | 'csv',
): Promise<RowsRequest> {
  const def = requireDataset(id);
  const { limit, cursor, release: releaseParam, format: _format, ...rest } = query;
  const control = parseWith(RowsControl, { limit, cursor, release: releaseParam, format: _format });

  const errors: FieldError[] = [];
  const filters = parseFilters(def, rest, errors);
  const c = decodeCursor(control.cursor);
  if (
    c &&
    (typeof c.r !== 'string' ||
      !/^[0-9A-Za-z-]{1,64}$/.test(c.r) ||
      typeof c.k !== 'string' ||
      c.k.length === 0 ||
      c.k.length > 512)
  )
    errors.push({ path: 'cursor', message: 'not a cursor this API issued' });
  if (c && control.release && c.r !== control.release)
    errors.push({ path: 'cursor', message: 'the cursor belongs to another release' });
  if (errors.length)
    throw new DomainError('validation-failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);

  const releaseId = control.release ?? (c?.r as string | undefined);
  const release = releaseId ? await store.getRelease(def.id, releaseId) : await store.latestRelease(def.id);
  if (!release)
    throw new DomainError(
      'release-unknown',
      releaseId ? `${def.id} has no release with this id` : `No release of ${def.id} has been published yet`,
    );

  const rowsQuery = rowsQueryOf(def, filters, c?.k as string | undefined, control.limit);
  const canonical = JSON.stringify([
    release.id,
    def.id,
    Object.entries(filters).sort(),
    rowsQuery.after ?? null,
    control.limit,
    format,
  ]);
  return {
    def,
    release,
    query: rowsQuery,
    etag: `"${createHash('sha256').update(canonical).digest('base64url').slice(0, 32)}"`,
  };
}

export async function rowsPage(store: ReleaseStore, req: RowsRequest) {
  const page = await store.pageRows(req.def.id, req.release.id, req.query);
  return {
    items: page.rows.map((r) => orderedRow(req.def, r)),
    nextCursor: page.last ? encodeCursor({ r: req.release.id, k: page.last }) : null,
    release: req.release,
  };
}
