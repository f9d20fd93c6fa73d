import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { config } from '../../functions/shared/config';
import { CSV_MEDIA_TYPE, RELEASE_FILE_CACHE_CONTROL } from '../../functions/opendata/domain/releaseFiles';
import { DATASET_IDS } from '../../schemas/opendata';

/**
 * The local stand-in for CloudFront's `/open-data/*` behaviour: serves the published release files
 * (written by the publisher into OPEN_DATA_FILES_DIR) at their public path, with the headers the
 * S3 objects carry: the CSV media type and a year of immutable public caching. Only paths of the
 * form `/open-data/<datasetId>/<releaseId>.csv` are looked up; anything else is not found.
 */
const RELEASE_FILE = /^\/open-data\/([a-z-]{1,64})\/([0-9A-Za-z-]{1,64})\.csv$/;

export async function serveReleaseFile(
  url: URL,
  method: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const m = RELEASE_FILE.exec(url.pathname);
  if (!m || !(DATASET_IDS as readonly string[]).includes(m[1]!)) return false;
  const file = join(config().openData.filesDir, m[1]!, `${m[2]}.csv`);
  const found = await stat(file).catch(() => undefined);
  if (!found?.isFile()) return false;
  // A release file never changes: its size and time identify it.
  const etag = `"${found.size.toString(16)}-${Math.floor(found.mtimeMs).toString(16)}"`;
  const headers = {
    'content-type': CSV_MEDIA_TYPE,
    'cache-control': RELEASE_FILE_CACHE_CONTROL,
    etag,
    'content-length': String(found.size),
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, { etag, 'cache-control': RELEASE_FILE_CACHE_CONTROL });
    res.end();
    return true;
  }
  res.writeHead(200, headers);
  if (method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
  return true;
}
