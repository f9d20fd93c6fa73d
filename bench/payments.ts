/**
 * `npm run bench:payments`: what a payment costs end to end, against what DynamoDB alone costs.
 *
 * ours:     POST /v1/payments over HTTP through the local gateway (authorizer, middy, zod, the notices and
 *           Idempotency-Key read, receipt signing, one TransactWriteItems), one card payment of one notice.
 * baseline: the same DynamoDB calls a payment needs, issued directly with a document client against the
 *           same DynamoDB Local: the BatchGet of the notice and the Idempotency-Key's record, and the same
 *           TransactWriteItems (key's completed record, notice update, payment, bank reference, ledger
 *           transaction, receipt, and the request's audit event, ADR 0017): the two round trips of ADR 0014.
 * Both run sequentially (alternating payment by payment) and with 16 concurrent clients (alternating
 * batches over rounds), so drift in a shared machine's load hits both alike. Prints p50/p99 latency, throughput and the ratios, then one GOAL line each.
 */
import { BatchGetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
// The client stands in for a window's terminal, which runs on its own machine; here it shares this
// process's CPU with the gateway and the handler, and every bit of it is charged to "ours" (the
// baseline has no client). undici's `request` is the HTTP/1.1 keep-alive client under Node's fetch,
// without fetch's WHATWG streams. What a request costs without DynamoDB is the `GET /v1/health`
// context line each run prints (p50 0.17 ms with fetch, 0.07 ms with request: docs/benchmarks.md).
import { type Dispatcher, request } from 'undici';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

process.env.LOG_LEVEL ??= 'silent';
delete process.env.CLOCK;

const { freePort } = await import('../infra/local/dynamodb');
const { startLocalStack } = await import('../infra/local/stack');
const { issueLocalToken } = await import('../infra/local/keys');
const { tableName, documentClient: ddb, theClock } = await import('../functions/shared/wiring');
const today = () => theClock().today();
const { noticeKey } = await import('../functions/notices/adapters/noticesTable');
const { NoticesForPayments } = await import('../functions/notices/adapters');
const { IdempotencyTable } = await import('../functions/shared/adapters/idempotencyTable');
const { paymentKeys } = await import('../functions/payments/adapters/paymentsTable');
const { idempotencyRecordId } = await import('../functions/shared/domain/idempotency');
const { buildTransaction, accounts } = await import('../functions/ledger/domain/ledger');
const { LedgerTable } = await import('../functions/ledger/adapters');
const ledgerTable = new LedgerTable(ddb(), tableName('Ledger'));
const { ReceiptsTable } = await import('../functions/payments/adapters/receiptsTable');
const { bankRefClaim } = await import('../functions/payments/adapters/bankRefs');
const { auditEventPut } = await import('../functions/shared/adapters/auditTrail');
const { auditEventId, sealAuditEvent } = await import('../functions/shared/domain/audit');
// The receipt's and the bank reference's items as the payment stores them (issue 10's second and third rounds).
const receiptsTable = new ReceiptsTable(ddb(), tableName('Receipts'));
// A payment posts into the day it is made on: the posting alone, no day-guard check (issue 10's third round).
const postTransactionItems = (tx: Parameters<typeof ledgerTable.postTransactionItems>[0]) =>
  ledgerTable.postTransactionItems(tx, tx.businessDate);
const { paymentId: newPaymentId, documentNumber, checkCode } = await import('../functions/shared/domain/ids');

// 400 sequential payments per side: with 150, the p99 was the 2nd-slowest sample, i.e. one GC pause
// or scheduler hiccup on either side, and moved between 0.97× and 1.69× from run to run.
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 400);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 480);
const CLIENTS = 16;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const AMOUNT = 2000;

const dataDir = mkdtempSync(join(tmpdir(), 'bench-payments-'));
const stack = await startLocalStack({ port: await freePort(), dynamoPort: await freePort(), inMemory: true, dataDir });
const base = stack.gateway.url;

async function http(
  method: string,
  path: string,
  token: string | undefined,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const res = await request(base + path, {
    method: method as Dispatcher.HttpMethod,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
}

async function pool<T>(items: T[], clients: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

// ---- setup (not measured): a department, a fee item and enough notices for both sides ----
const admin = await issueLocalToken({ role: 'admin' });
const clerk = await issueLocalToken({ role: 'clerk', window: 'W01' });
const dept = 'BENCH';
const fee = 'BENCH-FEE';
await http('POST', '/v1/departments', admin, { id: dept, name: '基准测试局' });
await http('POST', '/v1/fee-items', admin, {
  code: fee,
  departmentId: dept,
  name: '工本费',
  category: 'administrative-fee',
  legalBasis: 'x',
  approvedBy: 'y',
  pricing: { kind: 'fixed', amount: AMOUNT },
});
const deptToken = await issueLocalToken({ role: 'department', dept });

interface IssuedNotice {
  noticeNo: string;
}
async function issueNotices(n: number): Promise<IssuedNotice[]> {
  const out: IssuedNotice[] = [];
  await pool(Array.from({ length: n }), 8, async () => {
    const r = await http('POST', '/v1/notices', deptToken, {
      payer: { name: '张三', idType: 'other', idNumber: 'B1' },
      lines: [{ feeCode: fee }],
    });
    if (r.status !== 201) throw new Error(`setup: notice ${r.status} ${JSON.stringify(r.body)}`);
    out.push(r.body);
  });
  return out;
}

// A genuine receipt body, so the baseline writes items of the same size as ours.
const sample = await (async () => {
  const [n] = await issueNotices(1);
  const r = await http(
    'POST',
    '/v1/payments',
    clerk,
    { noticeNos: [n!.noticeNo], channel: 'card', amount: AMOUNT, bankRef: `W-${randomUUID()}` },
    { 'idempotency-key': randomUUID() },
  );
  if (r.status !== 201) throw new Error(`setup: payment ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
})();

// ---- the two operations ----
async function ours(n: IssuedNotice): Promise<void> {
  const r = await http(
    'POST',
    '/v1/payments',
    clerk,
    { noticeNos: [n.noticeNo], channel: 'card', amount: AMOUNT, bankRef: `B-${randomUUID()}` },
    { 'idempotency-key': randomUUID() },
  );
  if (r.status !== 201) throw new Error(`payment failed: ${r.status} ${JSON.stringify(r.body)}`);
}

/** The transaction entries the payment's adapter builds with: the notices' and idempotency's own. */
const notices = new NoticesForPayments(ddb(), tableName('Notices'));
const idempotency = new IdempotencyTable(ddb(), tableName('Idempotency'));

async function baseline(n: IssuedNotice): Promise<void> {
  const client = ddb();
  const nowMs = Date.now();
  const date = today();
  const paymentId = newPaymentId(date, new Date(nowMs));
  const idem = { pk: idempotencyRecordId('payments', randomUUID()), sk: 'IDEM' };
  // One round trip: the notice and the Idempotency-Key's record (ADR 0014).
  const got = await client.send(
    new BatchGetCommand({
      RequestItems: {
        [tableName('Notices')]: { Keys: [noticeKey(n.noticeNo)], ConsistentRead: true },
        [tableName('Idempotency')]: { Keys: [idem], ConsistentRead: true },
      },
    }),
  );
  if (!got.Responses?.[tableName('Notices')]?.length) throw new Error('baseline: notice not found');
  const paidAt = new Date(nowMs).toISOString();
  const bankRef = `B-${randomUUID()}`;
  const receipt = {
    ...sample.receipt,
    receiptNo: documentNumber(date),
    checkCode: checkCode(),
    paymentId,
    issuedAt: paidAt,
  };
  const tx = buildTransaction({
    id: `pay-${paymentId}`,
    kind: 'payment',
    ref: paymentId,
    businessDate: date,
    createdAt: paidAt,
    postings: [
      { account: accounts.clearing('card'), debit: AMOUNT, credit: 0 },
      { account: accounts.revenue(dept, fee), debit: 0, credit: AMOUNT },
    ],
  });
  const payment = {
    recordType: 'payment',
    paymentId,
    noticeNos: [n.noticeNo],
    channel: 'card',
    amount: AMOUNT,
    bankRef,
    windowId: 'W01',
    paidAt,
    businessDate: date,
    receiptNo: receipt.receiptNo,
    lines: [],
    refundedTotal: 0,
    lineRefunded: [0],
  };
  await client.send(
    new TransactWriteCommand({
      ClientRequestToken: `${paymentId}.1`,
      TransactItems: [
        idempotency.completedItem({ id: idem.pk, fingerprint: 'f'.repeat(64), owner: paymentId, nowMs }),
        notices.markPaidItem(n.noticeNo, { paymentId, paidAt, today: date }),
        {
          Put: {
            TableName: tableName('Payments'),
            Item: { ...paymentKeys.payment(paymentId, date), ...payment },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        bankRefClaim(tableName('Idempotency'), { channel: 'card', bankRef }, paymentId),
        ...postTransactionItems(tx),
        ...receiptsTable.putItems(receipt as never),
        // The request's audit event, as the kernel's document client adds it to the payment's transaction.
        {
          Put: auditEventPut(
            tableName('Audit'),
            sealAuditEvent({
              id: auditEventId(date, randomUUID()),
              at: paidAt,
              date,
              actor: { sub: 'clerk:W01', role: 'clerk', window: 'W01' },
              action: 'POST /v1/payments',
              resource: '/v1/payments',
              outcome: 'committed',
              touched: [`NOTICE#${n.noticeNo}`, `PAY#${paymentId}`],
              requestId: randomUUID(),
            }),
          ),
        },
      ],
    }),
  );
}

// ---- measurement ----
interface Run {
  latencies: number[];
  seconds: number;
  cpuMs?: number;
}
async function measure(op: (n: IssuedNotice) => Promise<void>, notices: IssuedNotice[], clients: number): Promise<Run> {
  const latencies: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await pool(notices, clients, async (n) => {
    const s = performance.now();
    await op(n);
    latencies.push(performance.now() - s);
  });
  const cpu = process.cpuUsage(cpu0);
  // Node's own CPU (this process: bench client, gateway, handler, SDK); DynamoDB Local's JVM is apart.
  return { latencies, seconds: (performance.now() - t0) / 1000, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const pairs = <T>(a: T[], b: T[]): [T, T][] => a.map((x, i) => [x, b[i]!]);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const merge = (runs: Run[]): Run => ({
  latencies: runs.flatMap((r) => r.latencies),
  seconds: runs.reduce((s, r) => s + r.seconds, 0),
  cpuMs: runs.reduce((s, r) => s + (r.cpuMs ?? 0), 0),
});
const summary = (r: Run) => ({
  p50: pct(r.latencies, 50),
  p99: pct(r.latencies, 99),
  rps: r.latencies.length / r.seconds,
});

console.log(`bench:payments — setup: issuing ${2 * (SEQUENTIAL + CONCURRENT) + 40} notices…`);
const warm = await issueNotices(40);
await measure(ours, warm.slice(0, 20), 4);
await measure(baseline, warm.slice(20), 4);

const healthFloor: number[] = [];
const results: Record<'seq' | 'conc', { ours: Run[]; base: Run[] }> = {
  seq: { ours: [], base: [] },
  conc: { ours: [], base: [] },
};
for (let round = 0; round < ROUNDS; round++) {
  const seqN = Math.ceil(SEQUENTIAL / ROUNDS);
  const concN = Math.ceil(CONCURRENT / ROUNDS);
  const ns = await issueNotices(2 * (seqN + concN));
  let i = 0;
  const take = (k: number) => ns.slice(i, (i += k));
  // Sequential: the two sides alternate payment by payment (in random order), so both see the same
  // machine load; throughput is payments per second of that side's own busy time.
  const seqOurs: number[] = [];
  const seqBase: number[] = [];
  for (const [a, b] of pairs(take(seqN), take(seqN))) {
    const first = Math.random() < 0.5;
    for (const side of first ? ['ours', 'base'] : ['base', 'ours']) {
      const s = performance.now();
      await (side === 'ours' ? ours(a) : baseline(b));
      (side === 'ours' ? seqOurs : seqBase).push(performance.now() - s);
    }
  }
  // Context, not a goal: the floor of one HTTP round trip through the gateway (no DynamoDB call).
  for (let k = 0; k < seqN; k++) {
    const s = performance.now();
    await http('GET', '/v1/health', undefined, undefined);
    healthFloor.push(performance.now() - s);
  }
  results.seq.ours.push({ latencies: seqOurs, seconds: seqOurs.reduce((x, y) => x + y, 0) / 1000 });
  results.seq.base.push({ latencies: seqBase, seconds: seqBase.reduce((x, y) => x + y, 0) / 1000 });
  // Concurrent: whole batches, alternating which side goes first from round to round.
  const sides = round % 2 === 0 ? (['base', 'ours'] as const) : (['ours', 'base'] as const);
  for (const side of sides)
    results.conc[side].push(await measure(side === 'ours' ? ours : baseline, take(concN), CLIENTS));
}

const rows: string[] = [];
const goals: string[] = [];
const fmt = (x: number) => x.toFixed(2);
for (const [mode, label] of [
  ['seq', 'sequential'],
  ['conc', `${CLIENTS} concurrent clients`],
] as const) {
  const o = summary(merge(results[mode].ours));
  const b = summary(merge(results[mode].base));
  const cpuPer = (runs: Run[]) => merge(runs).cpuMs! / merge(runs).latencies.length;
  if (mode === 'conc')
    rows.push(
      `  Node CPU per payment (this process): baseline ${fmt(cpuPer(results.conc.base))} ms, ours ${fmt(cpuPer(results.conc.ours))} ms`,
    );
  rows.push(
    `${label}:`,
    `  baseline (raw DynamoDB calls): p50 ${fmt(b.p50)} ms  p99 ${fmt(b.p99)} ms  ${fmt(b.rps)} payments/s`,
    `  ours (HTTP → gateway → handler): p50 ${fmt(o.p50)} ms  p99 ${fmt(o.p99)} ms  ${fmt(o.rps)} payments/s`,
    `  ratio ours/baseline: p50 ${fmt(o.p50 / b.p50)}×  p99 ${fmt(o.p99 / b.p99)}×  throughput ${fmt(o.rps / b.rps)}×`,
  );
  const tag = mode === 'seq' ? 'sequential' : `concurrent${CLIENTS}`;
  const goal = (metric: string, v: number, target: string, ok: boolean) =>
    goals.push(`GOAL ${metric} ${fmt(v)} ${target} ${ok ? 'PASS' : 'MISS'}`);
  goal(`payments_${tag}_p50_latency_ratio`, o.p50 / b.p50, '<=1.3', o.p50 / b.p50 <= 1.3);
  goal(`payments_${tag}_p99_latency_ratio`, o.p99 / b.p99, '<=1.3', o.p99 / b.p99 <= 1.3);
  goal(`payments_${tag}_throughput_ratio`, o.rps / b.rps, '>=0.8', o.rps / b.rps >= 0.8);
}
console.log(
  `payments: ${SEQUENTIAL} sequential + ${CONCURRENT} concurrent per side, ${ROUNDS} interleaved rounds, DynamoDB Local in memory`,
);
console.log(rows.join('\n'));
console.log(
  `context: GET /v1/health through the same gateway (no DynamoDB): p50 ${fmt(pct(healthFloor, 50))} ms  p99 ${fmt(pct(healthFloor, 99))} ms`,
);
console.log(goals.join('\n'));

await stack.stop();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
