/**
 * `npm run bench:online`: what confirming an online payment costs, against a counter payment, in the
 * same run on the same local stack (gateway, functions, DynamoDB Local, the sandbox provider as its
 * own HTTP service).
 *
 * online (per payment): POST /v1/payment-orders, the payer opens the hosted page (redirectUrl), then
 *   the timed part, "confirm": the payer pays (the sandbox's 支付, i.e. its completion control) → the
 *   sandbox signs and posts the notification → the orders function verifies the RSA2 signature,
 *   records the one payment through the payments use case (same transaction and signed receipt as
 *   the counter) → acknowledges `success`; then the holder's GET returns the order with its receipt.
 *   The end (acknowledgement + GET with the receipt) is timed from the sandbox's own record.
 * counter: POST /v1/payments (cash) by a clerk: the payment with its receipt in the response.
 * Alternating one by one, so drift in a shared machine's load hits both alike. Also prints the whole
 * online round trip (order → page → pay → receipt) for context.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

process.env.LOG_LEVEL ??= 'silent';
delete process.env.CLOCK;
// One client orders all the payments here: lift the per-client limits on anonymous orders (payment
// orders have their own, PAYMENT_ORDER_LIMIT, since ADR 0015; without lifting it the run stopped at 429).
process.env.ONLINE_PAYMENT_LIMIT = '1000000';
process.env.PAYMENT_ORDER_LIMIT = '1000000';

const { freePort } = await import('../infra/local/dynamodb');
const { startLocalStack } = await import('../infra/local/stack');
const { issueLocalToken } = await import('../infra/local/keys');

const { theSdkClient } = await import('../functions/shared/wiring');

/**
 * Where the time goes: every DynamoDB request the functions send (the SDK client's middleware), by
 * phase of the timed part. The stream consumers (aggregator, webhooks) also send requests while a
 * phase runs; they write other tables, so only the payment's and the order's tables are counted.
 */
const PAYMENT_TABLES = new Set(['Orders', 'Notices', 'Payments', 'Receipts', 'Ledger', 'Idempotency']);
type Phase = { requests: number; ms: number; byCommand: Record<string, number>; perRun: number[] };
const phases: Record<string, Phase> = {};
let phase: string | undefined;
/** The timed iteration the requests belong to (per-iteration sums give medians, not only means). */
let run = 0;
const tablesOf = (input: Record<string, unknown>): string[] => {
  const names = new Set<string>();
  if (typeof input.TableName === 'string') names.add(input.TableName);
  for (const t of Object.keys((input.RequestItems as object) ?? {})) names.add(t);
  for (const i of (input.TransactItems as Record<string, { TableName?: string }>[]) ?? [])
    for (const op of Object.values(i)) if (op?.TableName) names.add(op.TableName);
  return [...names];
};
/** Installed once the stack started: its configuration reloads rebuild the functions' client. */
const meter = () =>
  (theSdkClient() as unknown as { middlewareStack: { add: (m: unknown, o: object) => void } }).middlewareStack.add(
    (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: { input: Record<string, unknown> }) => {
        const at = phase;
        const start = performance.now();
        try {
          return await next(args);
        } finally {
          if (at && tablesOf(args.input).some((t) => PAYMENT_TABLES.has(t))) {
            const p = (phases[at] ??= { requests: 0, ms: 0, byCommand: {}, perRun: [] });
            const ms = performance.now() - start;
            p.perRun[run] = (p.perRun[run] ?? 0) + ms;
            const name = (context.commandName ?? '?').replace(/Command$/, '');
            p.requests++;
            p.ms += ms;
            p.byCommand[name] = (p.byCommand[name] ?? 0) + 1;
          }
        }
      },
    { step: 'initialize', name: 'benchOnlineRequests' },
  );

const N = Number(process.env.BENCH_ONLINE ?? 150);
const WARMUP = 10;
const dataDir = mkdtempSync(join(tmpdir(), 'bench-online-'));
const stack = await startLocalStack({ port: await freePort(), dynamoPort: await freePort(), inMemory: true, dataDir });
const base = stack.gateway.url;
meter();

async function http(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as any;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const t = (c: Parameters<typeof issueLocalToken>[0]) => issueLocalToken(c, process.env.LOCAL_KEY_DIR);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const admin = bearer(await t({ role: 'admin' }));
const clerk = bearer(await t({ role: 'clerk', window: 'W01' }));
const dept = bearer(await t({ role: 'department', dept: 'B01' }));
await http('POST', '/v1/departments', { id: 'B01', name: '公安局' }, admin);
await http(
  'POST',
  '/v1/fee-items',
  {
    code: 'B-ID',
    departmentId: 'B01',
    name: '居民身份证工本费',
    category: 'administrative-fee',
    legalBasis: '《居民身份证法》',
    approvedBy: '国家发展改革委 财政部',
    pricing: { kind: 'fixed', amount: 2000 },
  },
  admin,
);
const notice = () =>
  http(
    'POST',
    '/v1/notices',
    { payer: { name: '张三', idType: 'passport', idNumber: 'E12345678' }, lines: [{ feeCode: 'B-ID' }] },
    dept,
  );

async function counter(): Promise<number> {
  const n = await notice();
  const start = performance.now();
  phase = 'counter payment';
  const p = await http(
    'POST',
    '/v1/payments',
    { noticeNos: [n.noticeNo], channel: 'cash', amount: 2000 },
    { ...clerk, 'idempotency-key': randomUUID() },
  );
  const ms = performance.now() - start;
  phase = undefined;
  if (!p.receipt?.jws) throw new Error('counter payment without receipt');
  return ms;
}

async function online(): Promise<{ confirm: number; whole: number; ack: number; completeCall: number }> {
  const n = await notice();
  const start = performance.now();
  const o = await http('POST', '/v1/payment-orders', {
    noticeNos: [n.noticeNo],
    checkCodes: { [n.noticeNo]: n.checkCode },
  });
  const page = await fetch(o.redirectUrl);
  if (!page.ok) throw new Error(`payment page ${page.status}`);
  await page.text();
  const pay = performance.now();
  const acked = stack.provider.trades.whenAcknowledged(o.providerOrderId);
  phase = 'online: notification until acknowledged';
  const done = await fetch(`${stack.provider.url}/sandbox/orders/${o.providerOrderId}/complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ outcome: 'success' }),
  });
  if (!done.ok) throw new Error(`complete ${done.status}`);
  await done.text();
  const completed = performance.now();
  const ackAt = await acked;
  phase = "online: the holder's GET";
  const read = await http('GET', `/v1/payment-orders/${o.orderId}`, undefined, { 'x-order-token': o.orderToken });
  const end = performance.now();
  phase = undefined;
  if (read.status !== 'succeeded' || !read.receipt?.jws) throw new Error(`order ${read.status} without receipt`);
  return { confirm: end - pay, whole: end - start, ack: ackAt - pay, completeCall: completed - pay };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

for (let i = 0; i < WARMUP; i++) {
  await counter();
  await online();
}
for (const k of Object.keys(phases)) delete phases[k];
const counters: number[] = [];
const confirms: number[] = [];
const wholes: number[] = [];
const acks: number[] = [];
const completeCalls: number[] = [];
for (let i = 0; i < N; i++) {
  run = i;
  counters.push(await counter());
  const o = await online();
  confirms.push(o.confirm);
  wholes.push(o.whole);
  acks.push(o.ack);
  completeCalls.push(o.completeCall);
}
const fmt = (x: number) => x.toFixed(2);
const ratio = pct(confirms, 50) / pct(counters, 50);
console.log(`online payments: ${N} confirmations and ${N} counter payments, alternating, DynamoDB Local in memory`);
console.log(
  `  counter (POST /v1/payments, cash, receipt in the response): p50 ${fmt(pct(counters, 50))} ms  p99 ${fmt(pct(counters, 99))} ms`,
);
console.log(
  `  online confirm (pay at the sandbox → signed notification → payment → ack → GET with receipt): p50 ${fmt(pct(confirms, 50))} ms  p99 ${fmt(pct(confirms, 99))} ms`,
);
console.log(
  `    of which: the sandbox's completion call p50 ${fmt(pct(completeCalls, 50))} ms; until the notification is acknowledged (payment and receipt committed) p50 ${fmt(pct(acks, 50))} ms; the rest is the holder's GET`,
);
console.log(
  `  online whole (order → page → pay → receipt): p50 ${fmt(pct(wholes, 50))} ms  p99 ${fmt(pct(wholes, 99))} ms`,
);
for (const [name, p] of Object.entries(phases))
  console.log(
    `  DynamoDB per ${name}: ${(p.requests / N).toFixed(2)} requests ${JSON.stringify(
      Object.fromEntries(Object.entries(p.byCommand).map(([k, v]) => [k, +(v / N).toFixed(2)])),
    )}, their latencies summed p50 ${fmt(
      pct(
        [...p.perRun].map((x) => x ?? 0),
        50,
      ),
    )} ms (mean ${(p.ms / N).toFixed(2)})`,
  );
console.log(`GOAL online-payment-confirm-p50-ratio-vs-counter ${fmt(ratio)} <=1.5 ${ratio <= 1.5 ? 'PASS' : 'MISS'}`);

await stack.stop();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
