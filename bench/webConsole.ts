import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildWeb, WEB_DIST } from '../infra/web/build';

/**
 * The console's initial JavaScript, gzip-compressed: the entry script and every module the built
 * index.html preloads (what the browser fetches before the first screen's own chunk). Screens,
 * ECharts and the QR code load later, in their own chunks. Part of `npm run bench:web` (issue 12).
 */
export const CONSOLE_INITIAL_JS_GOAL_KB = 350;

export function consoleInitialJsKb(): { kb: number; files: { file: string; gzipBytes: number }[] } {
  const html = readFileSync(join(WEB_DIST, 'console', 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/(?:src|href)="\/console\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  const files = [...new Set(scripts)].map((file) => ({
    file,
    gzipBytes: gzipSync(readFileSync(join(WEB_DIST, 'console', file)), { level: 9 }).length,
  }));
  return { kb: files.reduce((s, f) => s + f.gzipBytes, 0) / 1024, files };
}

export function consoleGoalLine(kb: number): string {
  return `GOAL console-initial-js-kb-gzip ${kb.toFixed(1)} <=${CONSOLE_INITIAL_JS_GOAL_KB} ${kb <= CONSOLE_INITIAL_JS_GOAL_KB ? 'PASS' : 'MISS'}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildWeb({ log: (l) => process.stderr.write(`${l}\n`) });
  const { kb, files } = consoleInitialJsKb();
  for (const f of files) process.stdout.write(`  ${f.file} ${(f.gzipBytes / 1024).toFixed(1)} KB gzip\n`);
  process.stdout.write(`${consoleGoalLine(kb)}\n`);
}
