import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { financeContext } from '../../../functions/finance/wiring';
import { freePort } from '../../../infra/local/dynamodb';
import { matchingStatementRows, paymentRecord, statementCsv, uniqueDate } from '../../unit/finance/dayFixtures';
import { seedPayments } from './seed';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'reconcile-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs `npm run reconcile`'s script in its own process against this run's DynamoDB Local: by
 * DYNAMODB_ENDPOINT unless `env` says otherwise (`undefined` removes a variable).
 */
function cli(
  args: string[],
  env: Record<string, string | undefined> = { DYNAMODB_ENDPOINT: inject('dynamodbEndpoint') },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { DYNAMODB_ENDPOINT: _, DYNAMODB_PORT: __, ...inherited } = process.env;
  const childEnv = Object.fromEntries(
    Object.entries({ ...inherited, LOCAL_KEY_DIR: inject('keyDir'), ...env }).filter(([, v]) => v !== undefined),
  ) as Record<string, string>;
  return new Promise((done) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'infra/local/reconcile.ts'), ...args], {
      cwd: ROOT,
      env: childEnv,
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

  it('finds DynamoDB Local by DYNAMODB_PORT, as `npm start` does, when no DYNAMODB_ENDPOINT is set', async () => {
    const date = uniqueDate();
    const payments = [paymentRecord(date, { paymentId: `${date}-PORT-1`, channel: 'card', amount: 321 })];
    await seedPayments(payments);
    const file = join(dir, 'by-port.csv');
    writeFileSync(file, statementCsv(matchingStatementRows(date, payments)));
    const port = new URL(inject('dynamodbEndpoint')).port;
    const r = await cli(['--file', file, '--date', date], { DYNAMODB_PORT: port });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { reconciliation: { id: string; matchedCount: number } };
    expect(out.reconciliation.matchedCount).toBe(1);
    // Written to this run's DynamoDB Local, not to whatever listens on 8000.
    expect((await financeContext().reconciliations.get(out.reconciliation.id)).businessDate).toBe(date);
  });

  it('names the address it could not reach, from DYNAMODB_PORT; refuses a port that is not a number', async () => {
    const file = join(dir, 'empty.csv');
    writeFileSync(file, statementCsv([]));
    const free = String(await freePort());
    const unreachable = await cli(['--file', file, '--date', uniqueDate()], {
      DYNAMODB_PORT: free,
    });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`http://127.0.0.1:${free}`);
    const bad = await cli(['--file', file, '--date', uniqueDate()], { DYNAMODB_PORT: '80OO' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('DYNAMODB_PORT');
  });

  it('explains its usage', async () => {
    const r = await cli(['--date', '2026-03-01']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: npm run reconcile');
  });
});
