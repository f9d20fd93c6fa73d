import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from '../../infra/local/dynamodb';
import { issueLocalToken } from '../../infra/local/keys';
import { startLocalStack } from '../../infra/local/stack';
import type { PaymentRecord } from '../../schemas/records';
import { generateCsvLines, paymentOf } from './reconcile-day';

/**
 * The end-to-end part of `npm run bench:reconcile`: a local stack in memory on free ports, a day
 * of payments seeded directly (PaymentRecord items + ledger transactions, as the payments context
 * stores them), then the finance bureau's work over HTTP, timed step by step, and the CLI.
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const DATE = '2026-03-01';
const DEPTS = ['D01', 'D02', 'D03', 'D04', 'D05'];

function paymentRecordOf(i: number, payments: number): PaymentRecord {
  const p = paymentOf(i, payments);
  const d = DEPTS[i % DEPTS.length]!;
  return {
    recordType: 'payment',
    paymentId: p.paymentId,
    noticeNos: [`N${i}`],
    channel: p.channel,
    amount: p.amount,
    bankRef: p.bankRef,
    windowId: p.windowId,
    paidAt: `${DATE}T03:00:00.000Z`,
    businessDate: DATE,
    receiptNo: `R${i}`,
    lines: [
      {
        noticeNo: `N${i}`,
        departmentId: d,
        feeCode: `${d}-FEE`,
        feeVersion: 1,
        quantity: 1,
        amount: p.amount,
        noticeIssuedAt: `${DATE}T01:00:00.000Z`,
      },
    ],
  };
}

export async function endToEnd(opts: { payments: number; dir: string }) {
  process.env.LOG_LEVEL = 'warn';
  const stack = await startLocalStack({
    port: await freePort(),
    dynamoPort: await freePort(),
    inMemory: true,
    dataDir: opts.dir,
  });
  try {
    // Imported after the stack set DYNAMODB_ENDPOINT and the table env vars.
    const { seedPayments } = await import('../../test/integration/finance/seed');
    const t0 = performance.now();
    const records = Array.from({ length: opts.payments }, (_, i) => paymentRecordOf(i, opts.payments));
    await seedPayments(records);
    const seedMs = performance.now() - t0;

    const csv = [...generateCsvLines({ payments: opts.payments })].join('\r\n') + '\r\n';
    const file = join(opts.dir, 'statement.csv');
    writeFileSync(file, csv);

    // The CLI first (the HTTP run below closes the day): import + reconcile, streaming from the file.
    const c0 = performance.now();
    const cli = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'infra/local/reconcile.ts'), '--file', file, '--date', DATE],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, DYNAMODB_ENDPOINT: stack.dynamo.endpoint },
      },
    );
    const cliMs = performance.now() - c0;
    if (cli.status !== 0) throw new Error(`reconcile CLI failed: ${cli.stderr}`);
    const cliOut = JSON.parse(cli.stdout) as { reconciliation: Record<string, number> };
    const cliSummary = `matched ${cliOut.reconciliation.matchedCount}, unresolved ${cliOut.reconciliation.unresolved}`;

    const token = await issueLocalToken({ role: 'finance', sub: 'finance:bench' }, process.env.LOCAL_KEY_DIR);
    const auditor = await issueLocalToken({ role: 'auditor' }, process.env.LOCAL_KEY_DIR);
    const call = async (method: string, path: string, body?: unknown, raw?: string, t = token) => {
      const res = await fetch(stack.gateway.url + path, {
        method,
        headers: {
          authorization: `Bearer ${t}`,
          'content-type': raw === undefined ? 'application/json' : 'text/csv',
          // Accept moves money: it needs an Idempotency-Key (the other POSTs ignore one).
          ...(method === 'POST' ? { 'idempotency-key': randomUUID() } : {}),
        },
        body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
      });
      const json = (await res.json()) as Record<string, any>;
      if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
      return json;
    };

    const steps: Record<string, number> = {};
    const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
      const s = performance.now();
      const r = await f();
      steps[name] = performance.now() - s;
      return r;
    };
    const statement = await timed(`import statement over HTTP (${(csv.length / 1_048_576).toFixed(1)} MB inline)`, () =>
      call('POST', `/v1/bank-statements?date=${DATE}`, undefined, csv),
    );
    const run = await timed('reconcile (POST /v1/reconciliations)', () =>
      call('POST', '/v1/reconciliations', { businessDate: DATE, statementIds: [statement.statementId] }),
    );
    const s = run.summary;
    const diffs = [
      ...s.paymentsMissingInBank,
      ...s.bankLinesMissingInLedger,
      ...s.amountMismatches,
      ...s.duplicates,
    ] as { itemRef: string; kind: string }[];
    await timed(`resolve ${diffs.length} differences (8 in flight)`, async () => {
      for (let i = 0; i < diffs.length; i += 8)
        await Promise.all(
          diffs.slice(i, i + 8).map((d) =>
            call('POST', `/v1/reconciliations/${run.id}/resolutions`, {
              itemRef: d.itemRef,
              action: d.kind === 'duplicate' ? 'matched-manually' : 'suspense',
              note: 'bench',
            }),
          ),
        );
    });
    const accepted = await timed('accept (settle, close, Merkle root, sign)', () =>
      call('POST', `/v1/reconciliations/${run.id}/accept`),
    );
    const totalMs = Object.values(steps).reduce((a, b) => a + b, 0);
    const verify = await call('GET', `/v1/ledger/days/${DATE}/verify`, undefined, undefined, auditor);
    return {
      seedMs,
      steps,
      totalMs,
      proofCount: accepted.proof.count as number,
      verified: verify.ok === true,
      cliMs,
      cliSummary,
    };
  } finally {
    await stack.stop();
  }
}
