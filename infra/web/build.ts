import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/**
 * Builds the web apps (the payer portal at `/`, the staff console at `/console/`) into web/dist/,
 * the one directory the local gateway serves and the stack uploads. `npm start`, the test suite and
 * `cdk synth` call it, so nobody has to remember a build step; it rebuilds only when a source file
 * (or the lock file) changed since the last build, which a stamp next to dist/ records.
 */
export const WEB_ROOT = resolve(import.meta.dirname, '..', '..', 'web');
export const WEB_DIST = join(WEB_ROOT, 'dist');
const STAMP = join(WEB_ROOT, '.build-stamp');
/** The apps, in build order: the portal empties nothing, so dist/ is cleared once before both. */
export const WEB_APPS = ['portal', 'console'] as const;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === 'dist' || name === 'node_modules' || name.startsWith('.')) return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : [path];
  });
}

/** A digest of everything a build reads: the web sources and the locked dependency versions. */
export function webSourceDigest(): string {
  const hash = createHash('sha256');
  const lock = resolve(WEB_ROOT, '..', 'package-lock.json');
  for (const file of [...sourceFiles(WEB_ROOT), lock].sort()) {
    hash.update(relative(WEB_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

export async function buildWeb(opts: { force?: boolean; log?: (line: string) => void } = {}): Promise<void> {
  const digest = webSourceDigest();
  const built = existsSync(STAMP) && readFileSync(STAMP, 'utf8') === digest;
  if (built && !opts.force && WEB_APPS.every((app) => existsSync(indexOf(app)))) return;
  opts.log?.('Building the web apps (portal, console) into web/dist/ ...');
  // Vite is loaded only when a build is needed: the gateway and synth import this module too.
  const { build } = await import('vite');
  rmSync(WEB_DIST, { recursive: true, force: true });
  mkdirSync(WEB_DIST, { recursive: true });
  for (const app of WEB_APPS) {
    // Always a production bundle, whoever builds: under vitest NODE_ENV is `test`, which Vite would
    // otherwise pass on to the libraries (Vue's development build; Vant's useId then gives every field
    // the same id, so labels name the wrong inputs).
    await build({
      configFile: join(WEB_ROOT, app, 'vite.config.ts'),
      logLevel: 'warn',
      mode: 'production',
      define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    });
  }
  writeFileSync(STAMP, digest);
}

/** The built entry page of an app. */
export function indexOf(app: (typeof WEB_APPS)[number]): string {
  return app === 'portal' ? join(WEB_DIST, 'index.html') : join(WEB_DIST, app, 'index.html');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildWeb({ force: process.argv.includes('--force'), log: (l) => process.stdout.write(`${l}\n`) });
}
