import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { WEB_DIST } from '../../infra/web/build';

/**
 * The scripts an app's built index.html loads before anything else (its entry and the modules it
 * preloads), each with its gzip size: what a browser fetches before the first screen's own chunk.
 * `npm run bench:web` reports it per app; test/e2e/consoleBundle.test.ts checks what is (not) in it.
 */
export function initialJs(indexFile: string): { files: { file: string; gzipBytes: number }[]; bytes: number } {
  const html = readFileSync(indexFile, 'utf8');
  const names = [
    ...html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g),
    ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g),
  ].map((m) => m[1]!);
  const files = [...new Set(names)].map((file) => ({
    file,
    gzipBytes: gzipSync(readFileSync(join(WEB_DIST, file.replace(/^\//, ''))), { level: 9 }).length,
  }));
  return { files, bytes: files.reduce((sum, f) => sum + f.gzipBytes, 0) };
}
