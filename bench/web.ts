/**
 * `npm run bench:web`: the payer portal in Lighthouse 12.2.3 (mobile profile: emulated phone,
 * simulated slow 4G and 4× CPU slowdown) on the local stack, and the initial JavaScript of both web apps.
 *
 * - Lighthouse performance and accessibility of the catalog, look-up (opened as from a notice's QR
 *   code) and receipt pages, BENCH_RUNS runs each (default 3), median per page; the GOAL is the worst
 *   page's median. Baseline, measured in the same run on the same server: a bare HTML page with the
 *   same kind of content (heading, paragraph, a labelled two-field form), no script; ratios are
 *   ours / baseline.
 * - Initial JS (gzip -9): the scripts and module preloads the apps' index.html files load
 *   (web/dist/index.html, web/dist/console/index.html). Baselines: the vanilla portal this one
 *   replaced (web/portal/app.js at commit 609b22e), and Vue's own runtime (vue.runtime.esm-browser.prod.js).
 *
 * Chromium is Debian's /usr/bin/chromium (CHROMIUM_PATH), with the flags the e2e tests use. Do not
 * build web/dist/ while it runs (the test suite's global setup rebuilds it when a source changed).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launch } from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { initialJs } from './support/initialJs';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../test/support/chromium';

process.env.LOG_LEVEL ??= 'silent';
delete process.env.CLOCK;

const { freePort } = await import('../infra/local/dynamodb');
const { startLocalStack } = await import('../infra/local/stack');
const { WEB_DIST, buildWeb } = await import('../infra/web/build');
const { seedWeb } = await import('./support/webSeed');

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ROOT = resolve(import.meta.dirname, '..');

const kb = (bytes: number) => bytes / 1024;
const gz = (buf: Buffer | string) => gzipSync(buf, { level: 9 }).length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// ---- Initial JS ---------------------------------------------------------------------------------
// The production build of the current sources (a no-op when web/dist/ is up to date).
await buildWeb();
const portalJs = initialJs(join(WEB_DIST, 'index.html'));
const consoleJs = initialJs(join(WEB_DIST, 'console', 'index.html'));
const vanilla = gz(execFileSync('git', ['show', '609b22e:web/portal/app.js'], { cwd: ROOT }));
const vueRuntime = gz(readFileSync(join(ROOT, 'node_modules/vue/dist/vue.runtime.esm-browser.prod.js')));

// ---- Lighthouse on the local stack --------------------------------------------------------------
const dataDir = mkdtempSync(join(tmpdir(), 'bench-web-'));
const stack = await startLocalStack({
  port: await freePort(),
  dynamoPort: await freePort(),
  inMemory: true,
  dataDir,
  providerPort: 0,
});
const BASELINE_FILE = join(WEB_DIST, 'bench-baseline.html');
const chrome = await launch({ chromePath: CHROMIUM_PATH, chromeFlags: ['--headless=new', ...CHROMIUM_FLAGS] });
try {
  const base = stack.gateway.url;
  const seed = await seedWeb(base);
  // The baseline page, served by the same gateway (a file in web/dist/, removed afterwards).
  writeFileSync(
    BASELINE_FILE,
    `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="description" content="缴款通知书查询"><title>缴款通知书缴费</title></head><body><main><h1>缴款通知书缴费</h1><p>请输入缴款通知书上的缴款码和校验码。</p><form><label>缴款码 <input name="n"></label><label>校验码 <input name="c"></label><button>查询</button></form></main></body></html>`,
  );
  const pages: Record<string, string> = {
    catalog: '/catalog',
    lookup: `/?n=${seed.notice.noticeNo}&c=${seed.notice.checkCode}`,
    receipt: `/r/${seed.receipt.receiptNo}?c=${seed.receipt.checkCode}`,
    baseline: '/bench-baseline.html',
  };
  const scores: Record<string, { performance: number[]; accessibility: number[]; lcp: number[]; tbt: number[] }> = {};
  for (let run = 0; run < RUNS; run++)
    for (const [name, path] of Object.entries(pages)) {
      const result = await lighthouse(base + path, {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
        onlyCategories: ['performance', 'accessibility'],
      });
      const lhr = result!.lhr;
      // A run that could not load the page scores 0 without measuring anything: stop, do not average it in.
      if (lhr.runtimeError) throw new Error(`${name}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
      const s = (scores[name] ??= { performance: [], accessibility: [], lcp: [], tbt: [] });
      s.performance.push(Math.round((lhr.categories.performance!.score ?? 0) * 100));
      s.accessibility.push(Math.round((lhr.categories.accessibility!.score ?? 0) * 100));
      s.lcp.push(lhr.audits['largest-contentful-paint']!.numericValue ?? Number.NaN);
      s.tbt.push(lhr.audits['total-blocking-time']!.numericValue ?? Number.NaN);
    }

  process.stdout.write(`Lighthouse ${RUNS} run(s) per page, mobile profile, medians:\n`);
  for (const [name, s] of Object.entries(scores))
    process.stdout.write(
      `  ${name.padEnd(9)} performance ${median(s.performance)} (${s.performance.join(' ')})  accessibility ${median(s.accessibility)}  LCP ${(median(s.lcp) / 1000).toFixed(2)} s  TBT ${median(s.tbt).toFixed(0)} ms\n`,
    );
  const ours = ['catalog', 'lookup', 'receipt'];
  const worst = (k: 'performance' | 'accessibility') => Math.min(...ours.map((p) => median(scores[p]![k])));
  const baseline = scores.baseline!;
  const perf = worst('performance');
  const a11y = worst('accessibility');
  process.stdout.write(
    `ratio performance ours/baseline ${(perf / median(baseline.performance)).toFixed(2)}, accessibility ${(a11y / median(baseline.accessibility)).toFixed(2)}\n`,
  );
  process.stdout.write(
    `initial JS gzip: portal ${kb(portalJs.bytes).toFixed(1)} kB (${portalJs.files.map((f) => f.file).join(', ')}); vanilla portal app.js ${kb(vanilla).toFixed(1)} kB, ratio ${(portalJs.bytes / vanilla).toFixed(2)}\n`,
  );
  process.stdout.write(
    `                 console ${kb(consoleJs.bytes).toFixed(1)} kB (${consoleJs.files.map((f) => f.file).join(', ')}); Vue runtime alone ${kb(vueRuntime).toFixed(1)} kB, ratio ${(consoleJs.bytes / vueRuntime).toFixed(2)}\n`,
  );
  const goal = (name: string, value: number, op: '>=' | '<=', target: number, digits = 0) =>
    process.stdout.write(
      `GOAL ${name} ${value.toFixed(digits)} ${op}${target} ${(op === '>=' ? value >= target : value <= target) ? 'PASS' : 'MISS'}\n`,
    );
  goal('portal-lighthouse-performance', perf, '>=', 90);
  goal('portal-lighthouse-accessibility', a11y, '>=', 95);
  goal('portal-initial-js-kb-gzip', kb(portalJs.bytes), '<=', 120, 1);
  goal('console-initial-js-kb-gzip', kb(consoleJs.bytes), '<=', 350, 1);
} finally {
  rmSync(BASELINE_FILE, { force: true });
  chrome.kill();
  await stack.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
