/**
 * `npm run bench:capacity`: what one payment costs, counted request by request, and the sustained
 * rate the deployed design carries (issue 10; model and sources in docs/benchmarks.md "Capacity").
 *
 * Drives card payments of one notice (and refunds) over HTTP through the local gateway and the real
 * handlers against DynamoDB Local, with the deployed receipt signer (a KMS key, here a stand-in that
 * counts requests), then feeds the Payments stream to the real aggregator in batches of 100 (the
 * event source mapping's size). A middleware on the functions' SDK client counts round trips and
 * read/write units (bench/support/capacityMeter.ts); the write units of the most-written item and
 * partition are scaled to 10,000 payments. From those counts and AWS's published limits
 * (bench/support/capacityModel.ts) it prints the ceiling each limit allows, the one that binds first,
 * and the GOAL lines. `BENCH_PAYMENTS` (default 3000) and `BENCH_CLIENTS` (8) change the run.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CapacityMeter, emptyUsage } from './support/capacityMeter';
import { ceilings, LIMITS } from './support/capacityModel';
import { startKmsStandIn } from './support/kmsStandIn';

const PAYMENTS = Number(process.env.BENCH_PAYMENTS ?? 3000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const REFUNDS = Math.max(1, Math.floor(PAYMENTS / 50));
const AMOUNT = 2000;

const kms = await startKmsStandIn();
const dataDir = mkdtempSync(join(tmpdir(), 'bench-capacity-'));
process.env.LOG_LEVEL ??= 'silent';
delete process.env.CLOCK;
process.env.AWS_ENDPOINT_URL_KMS = kms.url;
process.env.AWS_ACCESS_KEY_ID ??= 'bench';
process.env.AWS_SECRET_ACCESS_KEY ??= 'bench';
process.env.SIGNING_KMS_KEY_ID = 'bench-receipt-key';
process.env.LOCAL_KEY_DIR = join(dataDir, 'keys');

const { freePort, startDynamoDbLocal, ensureTables } = await import('../infra/local/dynamodb');
const { startGateway } = await import('../infra/local/gateway');
const { ensureLocalKey, issueLocalToken } = await import('../infra/local/keys');
const { startStreamPoller } = await import('../infra/local/streams');
const { reloadConfig } = await import('../functions/shared/config');
const { theSdkClient } = await import('../functions/shared/wiring');
const { TABLE_NAMES, tableEnvVar } = await import('../schemas/tables');

const dynamo = await startDynamoDbLocal({ port: await freePort(), inMemory: true });
process.env.DYNAMODB_ENDPOINT = dynamo.endpoint;
process.env.AWS_REGION = 'local';
for (const t of TABLE_NAMES) process.env[tableEnvVar(t)] = t;
reloadConfig();
await ensureTables(dynamo.endpoint);
await ensureLocalKey('auth');
await ensureLocalKey('receipt-signing');
await ensureLocalKey('day-proof-signing');
const gateway = await startGateway({ port: await freePort() });
const meter = new CapacityMeter(dynamo.endpoint);
meter.install(theSdkClient() as never);

async function http(method: string, path: string, token: string, body: unknown, key?: string) {
  const res = await fetch(gateway.url + path, {
    method,
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
async function pool<T>(items: T[], work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}
const ok = (what: string, r: { status: number; body: unknown }, status = 201) => {
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as Record<string, unknown>;
};

// ---- setup (counted apart): a department, a fee item, one notice per payment ----
const admin = await issueLocalToken({ role: 'admin' });
const clerk = await issueLocalToken({ role: 'clerk', window: 'W01' });
const finance = await issueLocalToken({ role: 'finance' });
ok('department', await http('POST', '/v1/departments', admin, { id: 'BENCH', name: '基准测试局' }));
ok(
  'fee item',
  await http('POST', '/v1/fee-items', admin, {
    code: 'BENCH-FEE',
    departmentId: 'BENCH',
    name: '工本费',
    category: 'administrative-fee',
    legalBasis: 'x',
    approvedBy: 'y',
    pricing: { kind: 'fixed', amount: AMOUNT },
  }),
);
const dept = await issueLocalToken({ role: 'department', dept: 'BENCH' });
console.log(`bench:capacity — setup: issuing ${PAYMENTS} notices…`);
const notices: string[] = [];
await pool(Array.from({ length: PAYMENTS }), async () => {
  const n = ok(
    'notice',
    await http('POST', '/v1/notices', dept, {
      payer: { name: '张三', idType: 'other', idNumber: 'B1' },
      lines: [{ feeCode: 'BENCH-FEE' }],
    }),
  );
  notices.push(n.noticeNo as string);
});

// ---- payments, then refunds, each counted as its own phase ----
const kmsBefore = new Map(kms.calls);
meter.phase = 'payment';
const paymentIds: string[] = [];
const t0 = performance.now();
await pool(notices, async (noticeNo) => {
  const body = { noticeNos: [noticeNo], channel: 'card', amount: AMOUNT, bankRef: `B-${randomUUID()}` };
  paymentIds.push(ok('payment', await http('POST', '/v1/payments', clerk, body, randomUUID())).paymentId as string);
});
const paySeconds = (performance.now() - t0) / 1000;
const kmsCalls = [...kms.calls].reduce((s, [op, n]) => s + n - (kmsBefore.get(op) ?? 0), 0);
meter.phase = 'refund';
await pool(paymentIds.slice(0, REFUNDS), async (id) => {
  ok(
    'refund',
    await http('POST', `/v1/payments/${id}/refunds`, finance, { amount: 500, reason: '退费' }, randomUUID()),
  );
});

// ---- the Payments stream through the real aggregator, batches of 100 ----
meter.phase = 'aggregation';
const poller = await startStreamPoller({ endpoint: dynamo.endpoint, batchSize: 100 });
await poller.drained(600_000);
const batches = poller.stats.batches;
await poller.stop();

// ---- report ----
const pay = meter.usage.get('payment') ?? emptyUsage();
const agg = meter.usage.get('aggregation') ?? emptyUsage();
const refund = meter.usage.get('refund') ?? emptyUsage();
const per = (x: number, n = PAYMENTS) => x / n;
const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '∞');
const per10k = (wru: number) => (wru / PAYMENTS) * 10_000;
const { ROTATE_AFTER_MS } = await import('../functions/shared/adapters/certifiedSigner');
/**
 * The sustained share per payment of the writes a process makes once (capacityMeter's
 * isPerProcessWrite): a container makes them once per signing key (ROTATE_AFTER_MS, an hour; the day
 * registry even less often). At any rate R, payments run in R × paymentSeconds containers and R ×
 * 3,600 payments are made an hour, so each payment carries paymentSeconds / 3,600 of what one
 * process wrote. What this one process wrote is an upper bound for a container's: its CLIENTS
 * concurrent first receipts each carried the certificate, a Lambda container's one request at a time
 * carries it once.
 */
const amortized = (processWru: number) => (processWru * LIMITS.paymentSeconds) / (ROTATE_AFTER_MS / 1000);

/** WRU per payment per table (indexes folded in), from the partition counts of the given phases. */
function byTable(map: Map<string, Map<string, number>>, phases: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const phase of phases)
    for (const [key, units] of map.get(phase) ?? []) {
      const table = key.split(' ')[0]!.split('.')[0]!;
      out[table] = (out[table] ?? 0) + units / PAYMENTS;
    }
  return out;
}
/** Adds each table's sustained share of the per-process writes (see `amortized`). */
function withPerProcessShare(perTable: Record<string, number>): Record<string, number> {
  const out = { ...perTable };
  for (const phase of ['payment', 'aggregation'])
    for (const [table, wru] of meter.perProcessWrites.get(phase) ?? []) out[table] = (out[table] ?? 0) + amortized(wru);
  return out;
}
const hottest = (kind: 'item' | 'partition' | 'read') =>
  ['payment', 'aggregation']
    .map((phase) => ({ phase, ...meter.hottest(kind, phase) }))
    .sort((a, b) => b.wru - a.wru)[0]!;
const hotItem = hottest('item');
const hotPartition = hottest('partition');
const hotRead = hottest('read');

console.log(`payments: ${PAYMENTS} card payments of one notice from ${CLIENTS} clients in ${f(paySeconds, 1)} s`);
console.log(
  `  per payment: ${f(per(pay.roundTrips))} DynamoDB round trips ${JSON.stringify(pay.byOperation)}, ` +
    `${f(per(pay.wru))} WRU and ${f(per(pay.rru))} RRU computed (DynamoDB Local reports ${f(per(pay.reportedWru))} WRU, ` +
    `${f(per(pay.reportedRru))} RRU), ${f(per(kmsCalls), 4)} KMS calls (${kmsCalls} in the run)`,
);
// What every payment writes (the goal, as the round-trip goal counts what every payment sends), and
// with the sustained share of the writes a process makes once (what the model charges the tables).
const paymentWru = per(pay.wru - pay.perProcessWru);
console.log(
  `  of which once per process (business-day registry, receipt key certificate): ${f(per(pay.perProcessWru), 4)} WRU per payment ` +
    `in the run; every payment writes ${f(paymentWru, 4)} WRU, ${f(paymentWru + amortized(pay.perProcessWru), 5)} with their sustained share`,
);
console.log(
  `refunds: ${REFUNDS}; per refund ${f(per(refund.roundTrips, REFUNDS))} round trips, ${f(per(refund.wru, REFUNDS))} WRU, ${f(per(refund.rru, REFUNDS))} RRU`,
);
console.log(
  `aggregation: ${batches} stream batches; per payment ${f(per(agg.roundTrips), 3)} round trips, ${f(per(agg.wru), 3)} WRU, ` +
    `${f(per(agg.rru), 3)} RRU (refunds' records included); ${f(per(agg.wru) / per(pay.wru), 3)}× a payment's WRU`,
);
console.log(
  `most-written item per 10,000 payments: ${hotItem.key} (${hotItem.phase}) ${f(per10k(hotItem.wru), 0)} WRU`,
);
console.log(
  `most-written partition per 10,000 payments: ${hotPartition.key} (${hotPartition.phase}) ${f(per10k(hotPartition.wru), 0)} WRU`,
);
console.log(
  `most-read partition per 10,000 payments: ${hotRead.key} (${hotRead.phase}) ${f(per10k(hotRead.wru), 0)} RRU`,
);

// The deployed tables are created warm for what a payment writes (infra/capacity.ts): that sizing
// is written by hand, so the run checks it against what the payments just wrote, table by table.
{
  const { PAYMENT_WRITE_UNITS } = await import('../infra/capacity');
  const measured = byTable(meter.partitionWrites, ['payment']);
  const short: string[] = [];
  for (const [table, wru] of Object.entries(measured)) {
    const sized = PAYMENT_WRITE_UNITS[table as keyof typeof PAYMENT_WRITE_UNITS];
    const units = sized ? sized.table + Object.values(sized.indexes ?? {}).reduce((a, b) => a + b, 0) : 0;
    if (wru > units + 0.01) short.push(`${table} measured ${f(wru)} sized ${units}`);
  }
  console.log(
    `warm throughput sized in infra/capacity.ts: ${short.length ? `SHORT of the measured writes: ${short.join('; ')}` : 'covers every table a payment writes'}`,
  );
}

const model = ceilings({
  hottestPartitionWru: per(hotPartition.wru),
  hottestPartitionRru: per(hotRead.wru),
  tableWru: withPerProcessShare(byTable(meter.partitionWrites, ['payment', 'aggregation'])),
  tableRru: byTable(meter.partitionReads, ['payment', 'aggregation']),
  kmsCalls: per(kmsCalls),
});
console.log(`ceiling model (AWS published defaults; payment invocation assumed ${LIMITS.paymentSeconds * 1000} ms):`);
for (const c of model.slice(0, 8)) console.log(`  ${f(c.paymentsPerSecond, 0).padStart(9)} payments/s  ${c.limit}`);
const sustained = model[0]!;
console.log(`binds first: ${sustained.limit} → ${f(sustained.paymentsPerSecond, 0)} payments/s sustained`);
// Context, not the goal: the adjustable account quotas raised (tables to 80,000 WRU/s, API Gateway to
// 20,000 rps); what is left are the limits that do not move: partitions, and KMS at its default.
const raised = model.filter((c) => !/40,000 (WRU|RRU)\/s on table|API Gateway|Lambda/.test(c.limit));
const tables = model.filter((c) => /40,000 (WRU|RRU)\/s on table/.test(c.limit)).map((c) => c.paymentsPerSecond * 2);
const withQuotas = Math.min(20_000, ...tables, ...raised.map((c) => c.paymentsPerSecond));
console.log(
  `with table quotas at 80,000 WRU/s and API Gateway at 20,000 rps (adjustable): ${f(withQuotas, 0)} payments/s`,
);

const goal = (metric: string, v: number, target: string, pass: boolean, d = 3) =>
  console.log(`GOAL ${metric} ${f(v, d)} ${target} ${pass ? 'PASS' : 'MISS'}`);
// The business-day registry is written once per process per business day (the first payment of the
// day in a container makes three round trips); the goal counts what every payment sends.
const roundTrips = per(pay.roundTrips - pay.dayRegistryWrites);
console.log(
  `round trips per payment: ${f(per(pay.roundTrips), 4)} in the run, of which ${pay.dayRegistryWrites} business-day registry write(s) (once per process per day): ${f(roundTrips, 4)} per payment`,
);
goal('payment-ddb-round-trips', roundTrips, '<=2', roundTrips <= 2, 2);
goal('payment-kms-calls', per(kmsCalls), '<=0.001', per(kmsCalls) <= 0.001, 4);
const ratio = per(agg.wru) / per(pay.wru);
goal('aggregation-wru-per-payment-ratio', ratio, '<=0.1', ratio <= 0.1);
goal('payment-wru', paymentWru, '<=16', paymentWru <= 16, 2);
goal(
  'sustained-payments-per-second-model',
  sustained.paymentsPerSecond,
  '>=10000',
  sustained.paymentsPerSecond >= 10_000,
  0,
);

meter.close();
await gateway.close();
await dynamo.stop();
await kms.stop();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
