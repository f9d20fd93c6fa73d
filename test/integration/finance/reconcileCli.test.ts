import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { financeContext } from '../../../functions/finance/wiring';
import { matchingStatementRows, paymentRecord, statementCsv, uniqueDate } from '../../unit/finance/dayFixtures';
import { seedPayments } from './seed';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'reconcile-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `npm run reconcile`'s script in its own process against this run's DynamoDB Local. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'infra/local/reconcile.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'), LOCAL_KEY_DIR: inject('keyDir') },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('npm run reconcile', () => {
  it('streams a statement file through import and matching, with progress on stderr and the result on stdout', async () => {
    const date = uniqueDate();
    const payments = Array.from({ length: 30 }, (_, i) =>
      paymentRecord(date, {
        paymentId: `${date}-CLI-${i}`,
        channel: (['card', 'cash', 'online'] as const)[i % 3]!,
        amount: 100 + i,
        windowId: 'W5',
      }),
    );
    await seedPayments(payments);
    const rows = matchingStatementRows(date, payments);
    const file = join(dir, 'statement.csv');
    writeFileSync(
      file,
      statementCsv([...rows.slice(1), { bankRef: 'EXTRA', valueDate: date, amount: 5, channel: 'transfer' }], {
        bom: true,
        crlf: true,
      }),
    );

    const r = await cli(['--file', file, '--date', date]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('import [');
    const out = JSON.parse(r.stdout) as {
      statement: { statementId: string; lines: number };
      reconciliation: Record<string, number | string>;
    };
    expect(out.statement.lines).toBe(rows.length);
    expect(out.reconciliation).toMatchObject({
      paymentsMissingInBank: 1,
      bankLinesMissingInLedger: 1,
      amountMismatches: 0,
      duplicates: 0,
      unresolved: 2,
    });
    // The same run the API shows.
    const run = await financeContext().reconciliations.get(out.reconciliation.id as string);
    expect(run.summary.bankLinesMissingInLedger.map((d) => d.itemRef)).toEqual(['ML:transfer:EXTRA']);
  });

  it('reports bad rows with their row and field and exits non-zero', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'bankRef,valueDate,amount,channel,noticeNo,windowId\nA,2026-03-01,1.5,card,,\n');
    const r = await cli(['--file', file, '--date', uniqueDate()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('statement-row-invalid');
    expect(r.stderr).toContain('row 2.amount');
  });

  it('explains its usage', async () => {
    const r = await cli(['--date', '2026-03-01']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: npm run reconcile');
  });
});
