import { createHash } from 'node:crypto';
import type { DatasetId, Release } from '../../../schemas/opendata';
import type { ReleaseFileStore } from '../ports';
import { DATASETS, toCsv, type Row } from './datasets';

/**
 * Published releases as public files. A release is public data (DCAT `accessLevel: public`), so its
 * whole CSV is a file anyone may download without a key, and a CDN may keep for a year: a release
 * never changes, and a new release is a new file. Keys stay for the rows API (filters, pages, quotas).
 * The file is the rows route's CSV (same writer, same escaping) of every row of the release, in key order.
 */
export const CSV_MEDIA_TYPE = 'text/csv; charset=utf-8; header=present';
/** A release file never changes: caches may keep it for a year without asking again. */
export const RELEASE_FILE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** Where a release's file lives: the S3 key, the local directory's relative path, and the public URL's path. */
export const releaseFilePath = (datasetId: DatasetId, releaseId: string): string =>
  `open-data/${datasetId}/${releaseId}.csv`;

/** Writes a release's file and describes it for the release record. */
export async function writeReleaseFile(
  files: ReleaseFileStore,
  datasetId: DatasetId,
  releaseId: string,
  rows: readonly Row[],
): Promise<NonNullable<Release['file']>> {
  const csv = toCsv(DATASETS[datasetId], rows);
  const path = releaseFilePath(datasetId, releaseId);
  await files.putFile(path, csv, CSV_MEDIA_TYPE);
  const bytes = new TextEncoder().encode(csv);
  return {
    path,
    mediaType: CSV_MEDIA_TYPE,
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}
