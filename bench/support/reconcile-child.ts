import { PaymentIndex, Reconciler, type PaymentForMatching } from '../../functions/finance/domain/matching';
import { parseStatement, type StatementLine } from '../../functions/finance/domain/statementCsv';
import type { FieldError } from '../../functions/shared/domain/errors';
import { generateCsvLines, generatePayments, generateStatement } from './reconcile-day';

/**
 * One measured run of the reconcile benchmark, in a fresh process (node --expose-gc):
 *   reconcile-child.ts <impl> <payments> <lines> [csv]
 * impl: `project` (functions/finance/matching.ts) or `baseline` (the minimal hash join below).
 * `csv`: feed CSV text through the project's row parser (the streamed import path) instead of
 * pre-parsed lines; the baseline then splits and converts rows minimally.
 * Memory is sampled every 4,096 items inside the loops (timers cannot fire in a busy loop), for both
 * implementations alike. Prints one JSON line.
 */
const [impl, paymentsArg, linesArg, mode] = process.argv.slice(2) as [string, string, string, string | undefined];
const payments = Number(paymentsArg);
const lines = Number(linesArg);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

let peakHeap = 0;
let peakRss = 0;
const sample = () => {
  const m = process.memoryUsage();
  if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  if (m.rss > peakRss) peakRss = m.rss;
};

function* sampled<T>(it: Iterable<T>): Generator<T> {
  let n = 0;
  for (const x of it) {
    if ((++n & 4095) === 0) sample();
    yield x;
  }
}

/** The minimal hash join: key → expected amount; probe, compare, delete; leftovers are missing. */
function baselineJoin(ps: Iterable<PaymentForMatching>, ls: Iterable<StatementLine>) {
  const index = new Map<string, number>();
  for (const p of ps) {
    const key = p.channel === 'cash' ? `cash:${p.windowId}` : `${p.channel}:${p.bankRef}`;
    index.set(key, (index.get(key) ?? 0) + p.amount);
  }
  const afterIndex = process.memoryUsage().heapUsed;
  let matched = 0;
  let mismatched = 0;
  let unknown = 0;
  for (const l of ls) {
    const key = l.channel === 'cash' ? `cash:${l.windowId}` : `${l.channel}:${l.bankRef}`;
    const expected = index.get(key);
    if (expected === undefined) unknown++;
    else {
      if (expected === l.amount) matched++;
      else mismatched++;
      index.delete(key);
    }
  }
  return { afterIndex, matched, mismatched, unknown, missing: index.size };
}

function* baselineCsv(text: Iterable<string>): Generator<StatementLine> {
  let row = 0;
  for (const s of text) {
    if (++row === 1) continue;
    const f = s.split(',');
    const [yuan, fen] = f[2]!.split('.');
    yield {
      row,
      bankRef: f[0] || null,
      valueDate: f[1]!,
      amount: Number(yuan! + fen!),
      channel: f[3] as StatementLine['channel'],
      noticeNo: f[4] || null,
      windowId: f[5] || null,
    };
  }
}

async function projectRun(
  ps: Iterable<PaymentForMatching>,
  ls: AsyncIterable<StatementLine[]> | Iterable<StatementLine>,
) {
  const index = new PaymentIndex();
  for (const p of ps) index.add(p);
  const afterIndex = process.memoryUsage().heapUsed;
  // The probe phase's own peak: what streaming the statement costs on top of the index.
  const buildPeak = peakHeap;
  peakHeap = 0;
  sample();
  const reconciler = new Reconciler(index);
  if (Symbol.iterator in ls) for (const l of ls as Iterable<StatementLine>) reconciler.add(l);
  else for await (const batch of ls) for (const l of batch) reconciler.add(l);
  sample();
  const probePeak = peakHeap;
  peakHeap = Math.max(buildPeak, probePeak);
  const r = reconciler.finish();
  return {
    afterIndex,
    probePeak,
    matched: r.matchedCount,
    differences: {
      paymentsMissingInBank: r.paymentsMissingInBank.length,
      bankLinesMissingInLedger: r.bankLinesMissingInLedger.length,
      amountMismatches: r.amountMismatches.length,
      duplicates: r.duplicates.length,
    },
  };
}

gc();
sample();
const baseHeap = process.memoryUsage().heapUsed;
const t0 = performance.now();
let result: Record<string, unknown>;
const shape = { payments, lines };
if (impl === 'baseline') {
  const ls = mode === 'csv' ? baselineCsv(sampled(generateCsvLines(shape))) : sampled(generateStatement(shape));
  result = baselineJoin(sampled(generatePayments(payments)), ls);
} else {
  const errors: FieldError[] = [];
  const ls =
    mode === 'csv' ? parseStatement(sampled(generateCsvLines(shape)), errors) : sampled(generateStatement(shape));
  result = await projectRun(sampled(generatePayments(payments)), ls);
  if (errors.length) throw new Error(`generated CSV did not parse: ${JSON.stringify(errors.slice(0, 3))}`);
}
const ms = performance.now() - t0;
sample();
const MB = 1_048_576;
process.stdout.write(
  JSON.stringify({
    impl,
    mode: mode ?? 'lines',
    payments,
    lines,
    ms,
    baseHeapMB: baseHeap / MB,
    peakHeapMB: peakHeap / MB,
    peakRssMB: peakRss / MB,
    afterIndexHeapMB: (result.afterIndex as number) / MB,
    probePeakHeapMB: result.probePeak === undefined ? undefined : (result.probePeak as number) / MB,
    result: { ...result, afterIndex: undefined, probePeak: undefined },
  }) + '\n',
);
