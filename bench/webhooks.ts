/**
 * `npm run bench:webhooks`: the webhook dispatcher's deliveries per second against bare HTTP posts
 * to the same receiver, in the same run.
 *
 * ours:     N deliveries stored (as the webhook source stores them) and queued on the local stack's
 *           delivery queue; timed from queueing until every one is recorded as delivered: the
 *           dispatcher's SQSEvent batches (10 per batch, 8 batches at once, as the local queue's
 *           consumer runs them), each message read, signed (standardwebhooks), POSTed over the same
 *           keep-alive HTTP client and its attempt written to DynamoDB Local.
 * baseline: the same N bodies, pre-signed, POSTed by 80 concurrent workers (the dispatcher's
 *           concurrency) with Node's HTTP client and a keep-alive agent, to the same receiver.
 * The receiver is a real HTTP server in this process answering 204. Rounds alternate the two sides,
 * so drift in a shared machine's load hits both; the GOAL is the median of per-round ratios.
 * For reading the result, each round also measures the store's own ceiling: N plain conditional
 * UpdateItems on the same table at the same concurrency (printed, not a goal), since every attempt
 * must be written to the delivery log and bare posts write nothing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

process.env.LOG_LEVEL ??= 'silent';
delete process.env.CLOCK;

const { freePort } = await import('../infra/local/dynamodb');
const { startLocalStack } = await import('../infra/local/stack');
const { webhooksTable } = await import('../functions/webhooks/wiring');
const { AesSecretBox } = await import('../functions/webhooks/adapters/secretBox');
const { eventsOf } = await import('../functions/webhooks/domain/events');
const { deliveryIdOf, messageOf } = await import('../functions/webhooks/domain/fanout');
const { Webhook } = await import('standardwebhooks');
const { readFileSync } = await import('node:fs');

const N = Number(process.env.BENCH_DELIVERIES ?? 1500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONCURRENCY = 80;
const GOAL = 0.5;

const dataDir = mkdtempSync(join(tmpdir(), 'bench-webhooks-'));
const stack = await startLocalStack({ port: await freePort(), dynamoPort: await freePort(), inMemory: true, dataDir });
const queue = stack.webhooks.queue;

let received = 0;
let onReceived: (() => void) | undefined;
const receiver = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.statusCode = 204;
    res.end();
    received++;
    onReceived?.();
  });
});
receiver.keepAliveTimeout = 60_000;
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

const store = webhooksTable();
const secret = `whsec_${randomBytes(24).toString('base64')}`;
const box = new AesSecretBox(readFileSync(join(process.env.LOCAL_KEY_DIR!, 'webhook-secrets.secret'), 'utf8').trim());
const endpointId = `we_${randomBytes(12).toString('base64url')}`;
await store.putEndpoint({
  id: endpointId,
  departmentId: 'D01',
  url,
  events: ['notice.paid'],
  sealedSecret: box.seal(secret),
  createdAt: new Date().toISOString(),
});

function eventsFor(round: number) {
  return Array.from({ length: N }, (_, i) =>
    eventsOf({
      kind: 'paid',
      paymentId: `P${round}-${i}`,
      receiptNo: `R${round}-${i}`,
      channel: 'cash',
      businessDate: '2026-03-31',
      paidAt: new Date().toISOString(),
      lines: [{ noticeNo: `2026033100000000${String(i).padStart(4, '0')}`, departmentId: 'D01', amount: 2000 }],
    }),
  ).flat();
}

const waitFor = (count: number) =>
  new Promise<void>((resolve) => {
    onReceived = () => {
      if (received >= count) resolve();
    };
    onReceived();
  });

async function dispatcherRound(round: number): Promise<number> {
  const events = eventsFor(round);
  const createdAt = new Date().toISOString();
  const deliveries = [];
  for (let i = 0; i < events.length; i += 50)
    deliveries.push(
      ...(await Promise.all(
        events.slice(i, i + 50).map((e) =>
          store.ensureDelivery({
            deliveryId: deliveryIdOf(endpointId, e),
            endpointId,
            departmentId: 'D01',
            eventId: e.id,
            type: e.type,
            payload: JSON.stringify(e),
            status: 'pending',
            attempts: 0,
            scheduleStart: 0,
            createdAt,
            nextAttemptAt: createdAt,
          }),
        ),
      )),
    );
  received = 0;
  const t0 = performance.now();
  for (let i = 0; i < deliveries.length; i += 10)
    await queue.send(
      deliveries.slice(i, i + 10).map((d) => messageOf(d, createdAt)),
      0,
    );
  await waitFor(N);
  await queue.settled();
  const seconds = (performance.now() - t0) / 1000;
  const last = await store.getDelivery(endpointId, deliveries.at(-1)!.deliveryId);
  if (last?.status !== 'succeeded') throw new Error(`delivery not recorded: ${last?.status}`);
  return N / seconds;
}

async function bareRound(round: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
  const signer = new Webhook(secret);
  const bodies = eventsFor(round + 1000).map((e) => {
    const payload = JSON.stringify(e);
    const now = new Date();
    return {
      payload,
      headers: {
        'content-type': 'application/json',
        'webhook-id': e.id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signer.sign(e.id, now, payload),
        'content-length': String(Buffer.byteLength(payload)),
      },
    };
  });
  received = 0;
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < bodies.length) {
      const b = bodies[next++]!;
      await new Promise<void>((resolve, reject) => {
        const req = http.request(url, { method: 'POST', agent, headers: b.headers }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        });
        req.on('error', reject);
        req.end(b.payload);
      });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return N / seconds;
}

const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
const { documentClient, tableName } = await import('../functions/shared/wiring');

async function storeRound(round: number): Promise<number> {
  const client = documentClient();
  const ids = Array.from({ length: N }, (_, i) => `BENCH#${round}#${i}`);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < ids.length) {
        const pk = ids[next++]!;
        await client.send(
          new UpdateCommand({
            TableName: tableName('Webhooks'),
            Key: { pk, sk: 'BENCH' },
            UpdateExpression: 'SET attempts = :one',
            ConditionExpression: 'attribute_not_exists(attempts)',
            ExpressionAttributeValues: { ':one': 1 },
          }),
        );
      }
    }),
  );
  return N / ((performance.now() - t0) / 1000);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

try {
  // Warm-up: load the dispatcher, open connections, JIT.
  await dispatcherRound(-1);
  await bareRound(-1);
  const ours: number[] = [];
  const bare: number[] = [];
  const store: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    bare.push(await bareRound(r));
    ours.push(await dispatcherRound(r));
    store.push(await storeRound(r));
    process.stderr.write(
      `round ${r}: dispatcher ${ours[r]!.toFixed(0)}/s, bare posts ${bare[r]!.toFixed(0)}/s, store updates ${store[r]!.toFixed(0)}/s\n`,
    );
  }
  const ratios = ours.map((o, i) => o / bare[i]!);
  const ratio = median(ratios);
  console.log(`deliveries per round: ${N}, rounds: ${ROUNDS}, concurrency: ${CONCURRENCY}`);
  console.log(
    `dispatcher deliveries/s: median ${median(ours).toFixed(0)} (${ours.map((x) => x.toFixed(0)).join(', ')})`,
  );
  console.log(
    `bare posts/s:            median ${median(bare).toFixed(0)} (${bare.map((x) => x.toFixed(0)).join(', ')})`,
  );
  console.log(`store conditional updates/s (not a goal): median ${median(store).toFixed(0)}`);
  console.log(`dispatcher vs store ceiling: median ratio ${median(ours.map((o, i) => o / store[i]!)).toFixed(3)}`);
  console.log(
    `GOAL webhook-deliveries-per-second-ratio-vs-bare-post ${ratio.toFixed(3)} >=${GOAL} ${ratio >= GOAL ? 'PASS' : 'MISS'}`,
  );
} finally {
  receiver.closeAllConnections();
  receiver.close();
  await stack.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
