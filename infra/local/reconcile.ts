import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createReadStream, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { financeContext } from '../../functions/finance/wiring';
import { documentClient as ddb } from '../../functions/shared/wiring';
import { DomainError } from '../../functions/shared/domain/errors';
import { reloadConfig } from '../../functions/shared/config';

/**
 * `npm run reconcile -- --file statement.csv --date YYYY-MM-DD [--statement ST-...]...`
 *
 * Streams a bank statement of any size through the same import and matching code as
 * `POST /v1/bank-statements` and `POST /v1/reconciliations`, against the running local stack's
 * DynamoDB (`npm start`; DYNAMODB_ENDPOINT, or DYNAMODB_PORT as `npm start` reads it). Memory stays one chunk of lines deep; a progress bar goes to stderr and
 * the reconciliation (id, counts) to stdout as JSON. Resolve and accept it through the API.
 */
const { values } = parseArgs({
  options: {
    file: { type: 'string' },
    date: { type: 'string' },
    statement: { type: 'string', multiple: true, default: [] },
    'no-reconcile': { type: 'boolean', default: false },
  },
});

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: npm run reconcile -- --file statement.csv --date YYYY-MM-DD [--statement <earlier statementId>]... [--no-reconcile]\n`,
  );
  process.exit(2);
}

if (!values.file) usage('--file is required');
if (!values.date || !/^\d{4}-\d{2}-\d{2}$/.test(values.date) || Number.isNaN(Date.parse(`${values.date}T00:00:00Z`)))
  usage('--date YYYY-MM-DD is required');
const file = values.file;
const date = values.date;
let size: number;
try {
  size = statSync(file).size;
} catch {
  usage(`cannot read ${file}`);
}

// The running local stack's DynamoDB Local: DYNAMODB_ENDPOINT if set, else the port `npm start` was
// given (DYNAMODB_PORT, default 8000), so the statement never lands in another DynamoDB on 8000.
const dynamoPort = process.env.DYNAMODB_PORT ?? '8000';
if (!/^\d{1,5}$/.test(dynamoPort) || Number(dynamoPort) > 65535) usage('DYNAMODB_PORT must be a port number');
process.env.DYNAMODB_ENDPOINT ??= `http://127.0.0.1:${dynamoPort}`;
process.env.AWS_REGION ??= 'local';
process.env.LOCAL_KEY_DIR ??= '.data/keys';
process.env.LOG_LEVEL ??= 'warn';
// Whatever read the configuration while modules loaded must see these settings.
reloadConfig();

try {
  await ddb().send(new ListTablesCommand({}));
} catch {
  process.stderr.write(
    `Cannot reach DynamoDB Local at ${process.env.DYNAMODB_ENDPOINT}: start the local stack with \`npm start\` first.\n`,
  );
  process.exit(1);
}

const isTty = process.stderr.isTTY;
let bytes = 0;
let lastDraw = 0;
const started = Date.now();
const mb = (n: number) => (n / 1_048_576).toFixed(1);

function draw(label: string, lines: number, force = false): void {
  const t = Date.now();
  if (!force && t - lastDraw < 100) return;
  lastDraw = t;
  const ratio = size ? Math.min(1, bytes / size) : 1;
  const width = 30;
  const filled = Math.round(ratio * width);
  const secs = (t - started) / 1000;
  const text = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}%  ${mb(bytes)}/${mb(size)} MB  ${lines.toLocaleString('en')} lines  ${secs.toFixed(1)} s`;
  process.stderr.write(isTty ? `\r${text}` : `${text}\n`);
}

const ctx = financeContext();
const by = { role: 'finance' as const, sub: `cli:${userInfo().username}` };
const stream = createReadStream(file);
stream.on('data', (chunk) => {
  bytes += chunk.length;
});
const lines = createInterface({ input: stream, crlfDelay: Infinity });
let imported = 0;

try {
  const header = await ctx.statementImports.fromFile(
    (async function* () {
      for await (const line of lines) {
        imported++;
        if ((imported & 1023) === 0) draw('import', imported);
        yield line;
      }
    })(),
    { date, importedBy: by.sub },
  );
  draw('import', imported, true);
  process.stderr.write('\n');
  const out: Record<string, unknown> = {
    statement: { statementId: header.statementId, date: header.date, lines: header.lines, total: header.total },
  };
  if (!values['no-reconcile']) {
    process.stderr.write(`matching ${header.lines.toLocaleString('en')} lines against the payments of ${date}…\n`);
    const t0 = Date.now();
    const run = await ctx.reconciliations.run(
      { businessDate: date, statementIds: [...values.statement, header.statementId] },
      by,
    );
    const s = run.summary;
    out.reconciliation = {
      id: run.id,
      version: run.version,
      matchedCount: s.matchedCount,
      matchedAmount: s.matchedAmount,
      paymentsMissingInBank: s.paymentsMissingInBank.length,
      bankLinesMissingInLedger: s.bankLinesMissingInLedger.length,
      amountMismatches: s.amountMismatches.length,
      duplicates: s.duplicates.length,
      unresolved: run.unresolved,
      ms: Date.now() - t0,
    };
    out.next = `GET /v1/reconciliations/${run.id}; resolve each difference; then POST /v1/reconciliations/${run.id}/accept`;
  }
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  process.exit(0);
} catch (e) {
  process.stderr.write('\n');
  if (e instanceof DomainError) {
    process.stderr.write(`${e.status} ${e.type}: ${e.message}\n`);
    for (const x of e.errors ?? []) process.stderr.write(`  ${x.path}: ${x.message}\n`);
    process.exit(1);
  }
  throw e;
}
