import { link, mkdir, unlink, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { RELEASE_FILE_CACHE_CONTROL } from '../domain/releaseFiles';
import type { ReleaseFileStore } from '../ports';

/**
 * Deployed: release files in the open-data bucket under their public path (`open-data/...`), which
 * CloudFront serves at the same path. The object carries its Cache-Control and content type, so
 * CloudFront and browsers cache it as the local gateway's answer says. `If-None-Match: *` makes the
 * write create-only: a release file is never replaced.
 */
export class S3ReleaseFiles implements ReleaseFileStore {
  /** Loaded and built at the first publication, not at cold start (the publisher's import stays cheap). */
  private sdk?: Promise<{ client: import('./sdk/s3').S3Client; api: typeof import('./sdk/s3') }>;
  constructor(private readonly bucket: string) {}

  async putFile(path: string, body: string, contentType: string): Promise<void> {
    this.sdk ??= import('./sdk/s3').then((api) => ({ api, client: new api.S3Client({}) }));
    const { api, client } = await this.sdk;
    await client.send(
      new api.PutObjectCommand({
        Bucket: this.bucket,
        Key: path,
        Body: body,
        ContentType: contentType,
        CacheControl: RELEASE_FILE_CACHE_CONTROL,
        IfNoneMatch: '*',
      }),
    );
  }
}

/**
 * Locally: release files in a directory (under the local stack's data directory), which the local
 * gateway serves at `/open-data/...` with the same headers. Written to a temporary name and linked
 * into place, so a reader never sees half a file and an existing file is never replaced.
 */
export class DirectoryReleaseFiles implements ReleaseFileStore {
  /** `root` is the directory served at `/open-data/`: it holds `<datasetId>/<releaseId>.csv`. */
  constructor(private readonly root: string) {}

  private fileOf(path: string): string {
    if (!path.startsWith('open-data/')) throw new Error('a release file path starts with open-data/');
    return join(this.root, path.slice('open-data/'.length));
  }

  async putFile(path: string, body: string): Promise<void> {
    const file = this.fileOf(path);
    await mkdir(dirname(file), { recursive: true });
    const temporary = `${file}.${randomUUID()}.tmp`;
    await writeFile(temporary, body, 'utf8');
    try {
      await link(temporary, file);
    } finally {
      await unlink(temporary);
    }
  }
}
