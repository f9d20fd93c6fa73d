/**
 * Reconciliation benchmark.
 *
 * Part 1 — matching: a generated day of 1,000,000 statement lines against 1,000,000 payments
 * (bench/support/reconcile-day.ts: card/transfer/online lines by bankRef, cash deposits for 10
 * windows, 100 missing, 100 changed, 100 duplicated, one cash deposit one fen short, extra lines
 * to make 1,000,000) with the project's matcher (functions/finance/matching.ts) against a minimal
 * hash join (bench/support/reconcile-child.ts), interleaved, each run in a fresh process with
 * --expose-gc; median time and peak memory. Also the streamed-CSV path (row parser + matcher).
 *
 * Part 2 — streaming memory: peak heap while the statement streams past the same 1,000,000-payment
 * index, for a 100,000-line and a 1,000,000-line statement. The statement is never held, so the
 * peak should not grow with it.
 *
 * Part 3 — end to end through a local stack (in memory, free ports): a day of 50,000 payments
 * seeded directly as PaymentRecord items and their ledger transactions (the payments API is not
 * on the timed path), then timed over HTTP: import the statement (inline CSV), reconcile, resolve
 * the differences, accept (settle + close + sign); plus the same statement through
 * `npm run reconcile` (the CLI, streaming from a file).
 *
 * Times are best-of-N and median: the machine is shared, and the best run is the least disturbed
 * estimate of the code's own cost; the GOAL uses best-of, the median ratio is printed beside it.
 *
 *   npm run bench:reconcile            BENCH_RUNS=N (default 5) · BENCH_SKIP_E2E=1 · BENCH_PAYMENTS=N (default 1e6)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const N = Number(process.env.BENCH_PAYMENTS ?? 1_000_000);
const GOAL_TIME_RATIO = 1.5;
const GOAL_STREAM_GROWTH = 1.1;

interface ChildResult {
  impl: string;
  mode: string;
  ms: number;
  peakHeapMB: number;
  peakRssMB: number;
  afterIndexHeapMB: number;
  probePeakHeapMB?: number;
  result: Record<string, unknown>;
}

function child(impl: 'project' | 'baseline', payments: number, lines: number, mode?: 'csv'): ChildResult {
  const args = [
    '--expose-gc',
    '--max-old-space-size=4096',
    '--import',
    'tsx',
    join(ROOT, 'bench/support/reconcile-child.ts'),
    impl,
    String(payments),
    String(lines),
    ...(mode ? [mode] : []),
  ];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`child ${impl} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ChildResult;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (n: number, d = 0) => n.toFixed(d);
const goals: string[] = [];
const goal = (metric: string, value: number, target: number, pass: boolean, digits = 2) =>
  goals.push(`GOAL ${metric} ${value.toFixed(digits)} ${target} ${pass ? 'PASS' : 'MISS'}`);

// ── Part 1: matching vs minimal hash join ─────────────────────────────────────
const LINES = N;
process.stdout.write(
  `\nReconcile matching: ${LINES.toLocaleString('en')} statement lines × ${N.toLocaleString('en')} payments, ${RUNS} interleaved runs each (fresh process per run)\n`,
);
const runs: Record<string, ChildResult[]> = { project: [], baseline: [], projectCsv: [], baselineCsv: [] };
for (let i = 0; i < RUNS; i++) {
  runs.project!.push(child('project', N, LINES));
  runs.baseline!.push(child('baseline', N, LINES));
  runs.projectCsv!.push(child('project', N, LINES, 'csv'));
  runs.baselineCsv!.push(child('baseline', N, LINES, 'csv'));
}
const check = runs.project![0]!.result as { matched: number; differences: Record<string, number> };
process.stdout.write(
  `  project found: matched ${check.matched.toLocaleString('en')} payments, differences ${JSON.stringify(check.differences)}\n`,
);
process.stdout.write(
  `  ${'variant'.padEnd(34)} ${'best ms'.padStart(9)} ${'median ms'.padStart(10)} ${'peak heap MB'.padStart(13)} ${'peak RSS MB'.padStart(12)}\n`,
);
const row = (name: string, rs: ChildResult[]) => {
  const ms = Math.min(...rs.map((r) => r.ms));
  const med = median(rs.map((r) => r.ms));
  const heap = Math.max(...rs.map((r) => r.peakHeapMB));
  const rss = Math.max(...rs.map((r) => r.peakRssMB));
  process.stdout.write(
    `  ${name.padEnd(34)} ${fmt(ms).padStart(9)} ${fmt(med).padStart(10)} ${fmt(heap).padStart(13)} ${fmt(rss).padStart(12)}\n`,
  );
  return { ms, med, heap, rss };
};
const project = row('project matcher (parsed lines)', runs.project!);
const baseline = row('minimal hash join (parsed lines)', runs.baseline!);
const projectCsv = row('project: CSV row parser + matcher', runs.projectCsv!);
const baselineCsv = row('minimal: split + join (CSV)', runs.baselineCsv!);
const timeRatio = project.ms / baseline.ms;
const csvRatio = projectCsv.ms / baselineCsv.ms;
process.stdout.write(
  `  ratio project/baseline: time ${fmt(timeRatio, 2)}× (median ${fmt(project.med / baseline.med, 2)}×), peak heap ${fmt(project.heap / baseline.heap, 2)}×, peak RSS ${fmt(project.rss / baseline.rss, 2)}×; CSV path time ${fmt(csvRatio, 2)}× (median ${fmt(projectCsv.med / baselineCsv.med, 2)}×)\n`,
);
goal('reconcile_match_time_ratio_vs_hashjoin', timeRatio, GOAL_TIME_RATIO, timeRatio <= GOAL_TIME_RATIO);
goal('reconcile_csv_match_time_ratio_vs_minimal', csvRatio, GOAL_TIME_RATIO, csvRatio <= GOAL_TIME_RATIO);

// ── Part 2: memory does not grow with the streamed statement ─────────────────
process.stdout.write(
  `\nStreaming memory: peak heap while the statement streams past a ${N.toLocaleString('en')}-payment index\n`,
);
const small = child('project', N, Math.round(N / 10), 'csv');
const large = child('project', N, N, 'csv');
for (const r of [small, large])
  process.stdout.write(
    `  ${`${(r.mode === 'csv' ? 'CSV ' : '') + Number((r as unknown as { lines: number }).lines).toLocaleString('en')} lines`.padEnd(20)} index ${fmt(r.afterIndexHeapMB)} MB, peak while streaming ${fmt(r.probePeakHeapMB!)} MB (${fmt(r.probePeakHeapMB! - r.afterIndexHeapMB)} MB over the index)\n`,
  );
const growth = large.probePeakHeapMB! / small.probePeakHeapMB!;
process.stdout.write(`  peak heap 1,000,000 lines / 100,000 lines = ${fmt(growth, 3)} (10× the lines)\n`);
goal('reconcile_stream_peak_heap_growth_10x_lines', growth, GOAL_STREAM_GROWTH, growth <= GOAL_STREAM_GROWTH, 3);

// ── Part 3: end to end through a local stack ─────────────────────────────────
if (!process.env.BENCH_SKIP_E2E) {
  const { endToEnd } = await import('./support/reconcile-e2e');
  const dir = mkdtempSync(join(tmpdir(), 'reconcile-bench-'));
  try {
    const e2e = await endToEnd({ payments: 50_000, dir });
    process.stdout.write(
      `\nEnd to end, local stack, 50,000 payments (seeded directly as PaymentRecords + ledger transactions in ${fmt(e2e.seedMs)} ms; not timed)\n`,
    );
    for (const [step, ms] of Object.entries(e2e.steps))
      process.stdout.write(`  ${step.padEnd(44)} ${fmt(ms).padStart(8)} ms\n`);
    process.stdout.write(
      `  ${'total (import + reconcile + resolve + accept)'.padEnd(44)} ${fmt(e2e.totalMs).padStart(8)} ms   proof count ${e2e.proofCount}, verify ok: ${e2e.verified}\n`,
    );
    process.stdout.write(
      `  ${'CLI: npm run reconcile (import + reconcile)'.padEnd(44)} ${fmt(e2e.cliMs).padStart(8)} ms   ${e2e.cliSummary}\n`,
    );
    goal('reconcile_e2e_50k_seconds', e2e.totalMs / 1000, 30, e2e.totalMs <= 30_000 && e2e.verified, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.stdout.write('\n' + goals.join('\n') + '\n');
