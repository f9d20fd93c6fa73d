/**
 * Open data: does a rows page cost the same whatever the volume behind it, and what does the
 * aggregator sustain?
 *
 * 1. Page latency. Two worlds in one DynamoDB Local (tables prefixed S_ and L_), aggregated from
 *    10,000 and from 1,000,000 synthetic payments (20 departments × 25 fee items, 12 months, 4
 *    channels). The 1M aggregates are built by folding synthetic records through the aggregator's
 *    own domain (`paymentContributions`, the exact counter items the stream handler would write,
 *    16 shards per cell) in memory and bulk-loading those items, because replaying 1M stream records
 *    through TransactWriteItems on a shared 2-core machine would take hours; the publisher then
 *    runs for real on both worlds. We time the rows use case the handler calls (resolveRowsRequest +
 *    rowsPage against DynamoDB Local) for the first page and for a page deep in the release (keyset
 *    cursor at the same depth in both worlds), in rounds that time all four pages in random order;
 *    we report medians, ratios of medians, and the median of per-round ratios 1M/10k (the GOAL).
 * 2. Aggregator throughput. Real DynamoDBStreamEvent batches (100 records) through the aggregator's
 *    handler, against a baseline measured in the same run: BatchWriteItem of the same number of
 *    items. Reports stream records/s, item writes/s, and the ratio to raw writes/s.
 *
 *   npm run bench:opendata     (BENCH_LARGE=N payments in the large world; BENCH_ROUNDS=N timing rounds)
 */
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTables, freePort, startDynamoDbLocal } from '../infra/local/dynamodb';
import { tableEnvVar, TABLE_NAMES } from '../schemas/tables';
import { reloadConfig } from '../functions/shared/config';
import { documentClient as ddb, theClock } from '../functions/shared/wiring';
import { AggregatesTable } from '../functions/opendata/adapters/aggregatesTable';
import { addCounters, paymentContributions, refundContributions } from '../functions/opendata/domain/aggregation';
import type { Counters } from '../functions/opendata/ports';
import { publish } from '../functions/opendata/domain/publishing';
import { ReleasesTable } from '../functions/opendata/adapters/releasesTable';
import { DirectoryReleaseFiles } from '../functions/opendata/adapters/releaseFiles';
import { resolveRowsRequest, rowsPage } from '../functions/opendata/domain/releases';
import { encodeCursor } from '../functions/shared/adapters/http';
import { MemoryCatalogStore } from '../test/support/memoryCatalogStore';
import { prng, syntheticPayment, syntheticRefund, universe } from '../test/unit/opendata/fixtures';

const SMALL = 10_000;
const LARGE = Number(process.env.BENCH_LARGE ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 400);
const PAGE = 100;
const GOAL_RATIO = 1.2;
const MONTHS = Array.from({ length: 12 }, (_, i) => `2025-${String(i + 1).padStart(2, '0')}`);
const U = universe({ departments: 20, feesPerDepartment: 25, months: MONTHS });

const dataDir = mkdtempSync(join(tmpdir(), 'bench-opendata-'));
const dynamo = await startDynamoDbLocal({ port: await freePort(), inMemory: true, dbPath: dataDir });
process.env.DYNAMODB_ENDPOINT = dynamo.endpoint;
process.env.AWS_REGION ??= 'local';
process.env.LOG_LEVEL ??= 'warn';
for (const t of TABLE_NAMES) process.env[tableEnvVar(t)] ??= t;
/** Business dates in the configured zone (BUSINESS_TZ, Asia/Shanghai by default), as the aggregator dates them. */
const clock = theClock();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;
const fmt = (n: number, d = 2) => n.toFixed(d);

async function batchWrite(table: string, items: Record<string, unknown>[], concurrency = 4): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const start = next;
      next += 25;
      let requests = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
      while (requests.length) {
        const r = await ddb().send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
        requests = (r.UnprocessedItems?.[table] ?? []) as typeof requests;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Folds n synthetic payments (and ~5% refunds) into the counter items the aggregator would write. */
function foldAggregates(n: number, seed: number) {
  const rand = prng(seed);
  const items = new Map<string, { month: string; shard: number; cell: string; counters: Counters }>();
  const add = (c: { month: string; shard: number; cell: string; add: Counters }) => {
    const k = `${c.month}#${c.shard}#${c.cell}`;
    const it = items.get(k) ?? items.set(k, { month: c.month, shard: c.shard, cell: c.cell, counters: {} }).get(k)!;
    addCounters(it.counters, c.add);
  };
  for (let i = 0; i < n; i++) {
    const p = syntheticPayment(U, i, rand);
    for (const c of paymentContributions(p, clock).contributions) add(c);
    if (rand() < 0.05)
      for (const c of refundContributions(syntheticRefund(p, i), clock).contributions)
        if (c.month <= MONTHS.at(-1)!) add(c);
  }
  return [...items.values()];
}

async function buildWorld(prefix: string, payments: number, seed: number) {
  const table = `${prefix}OpenData`;
  const t0 = performance.now();
  const cells = foldAggregates(payments, seed);
  const t1 = performance.now();
  const pad = (s: number) => String(s).padStart(2, '0');
  const items: Record<string, unknown>[] = cells.map((c) => ({
    pk: `AGG#${c.month}#${pad(c.shard)}`,
    sk: c.cell,
    ...c.counters,
  }));
  const months = new Set(cells.map((c) => `${c.shard}#${c.month}`));
  for (const m of months) {
    const [shard, month] = m.split('#');
    items.push({ pk: `AGGIDX#${pad(Number(shard))}`, sk: month, month });
  }
  await batchWrite(table, items);
  const t2 = performance.now();
  const releases = new ReleasesTable(ddb(), table);
  // Release files go to the run's data directory, as the local stack's do (S3 when deployed).
  const files = new DirectoryReleaseFiles(join(dataDir, 'open-data'));
  const outcome = await publish(
    { aggregates: new AggregatesTable(ddb(), table), catalog: new MemoryCatalogStore(), releases, files, clock },
    { at: new Date('2026-01-15T04:00:00Z'), k: 5 },
  );
  const t3 = performance.now();
  const release = outcome.releases.find((r) => r.datasetId === 'monthly-collections')!;
  console.log(
    `  ${prefix.padEnd(3)} ${String(payments).padStart(9)} payments → ${items.length} aggregate items (fold ${fmt((t1 - t0) / 1000, 1)} s, load ${fmt((t2 - t1) / 1000, 1)} s); ` +
      `publish ${fmt((t3 - t2) / 1000, 1)} s: monthly-collections ${release.rowCount} rows, suppressed ${release.disclosure.primarySuppressed}+${release.disclosure.secondarySuppressed}`,
  );
  return { table, releases, release };
}

async function keyAtDepth(world: Awaited<ReturnType<typeof buildWorld>>, depth: number): Promise<string> {
  let cursor: string | undefined;
  let seen = 0;
  for (;;) {
    const page = await rowsPage(
      world.releases,
      await resolveRowsRequest(
        world.releases,
        'monthly-collections',
        { release: world.release.id, limit: '1000', ...(cursor ? { cursor } : {}) },
        'json',
      ),
    );
    if (seen + page.items.length >= depth) {
      const row = page.items[depth - seen - 1]!;
      return encodeCursor({ r: world.release.id, k: `${row.month}#${row.departmentId}#${row.feeCode}` })!;
    }
    seen += page.items.length;
    cursor = page.nextCursor!;
  }
}

async function timePage(world: Awaited<ReturnType<typeof buildWorld>>, cursor?: string): Promise<number> {
  const t = performance.now();
  const req = await resolveRowsRequest(
    world.releases,
    'monthly-collections',
    { release: world.release.id, limit: String(PAGE), ...(cursor ? { cursor } : {}) },
    'json',
  );
  const page = await rowsPage(world.releases, req);
  const ms = performance.now() - t;
  if (page.items.length !== PAGE) throw new Error(`short page: ${page.items.length}`);
  return ms;
}

try {
  await ensureTables(dynamo.endpoint, 'S_');
  await ensureTables(dynamo.endpoint, 'L_');
  await ensureTables(dynamo.endpoint, 'T_');
  await ensureTables(dynamo.endpoint, 'B_');
  console.log(`Open data benchmark (DynamoDB Local in memory; ${ROUNDS} timing rounds, page size ${PAGE})`);
  console.log('\n1. Building the two worlds');
  const small = await buildWorld('S_', SMALL, 1);
  const large = await buildWorld('L_', LARGE, 2);
  const depth = Math.floor(Math.min(small.release.rowCount, large.release.rowCount) * 0.9);
  const deep = { small: await keyAtDepth(small, depth), large: await keyAtDepth(large, depth) };

  const t = {
    smallFirst: [] as number[],
    largeFirst: [] as number[],
    smallDeep: [] as number[],
    largeDeep: [] as number[],
  };
  const pairs = { first: [] as number[], deep: [] as number[] };
  for (let i = 0; i < 20; i++) await Promise.all([timePage(small), timePage(large)]); // warm-up
  const shuffle = prng(17);
  for (let i = 0; i < ROUNDS; i++) {
    // Each round times all four pages in a random order, back to back, so load drift on the shared
    // machine hits both worlds alike; the per-round ratio pairs measurements taken moments apart.
    const round: Record<keyof typeof t, number> = { smallFirst: 0, largeFirst: 0, smallDeep: 0, largeDeep: 0 };
    const jobs: [keyof typeof t, () => Promise<number>][] = [
      ['smallFirst', () => timePage(small)],
      ['largeFirst', () => timePage(large)],
      ['smallDeep', () => timePage(small, deep.small)],
      ['largeDeep', () => timePage(large, deep.large)],
    ];
    jobs.sort(() => shuffle() - 0.5);
    for (const [name, job] of jobs) round[name] = await job();
    for (const k of Object.keys(t) as (keyof typeof t)[]) t[k].push(round[k]);
    pairs.first.push(round.largeFirst / round.smallFirst);
    pairs.deep.push(round.largeDeep / round.smallDeep);
  }
  console.log(`\n2. Rows page latency (monthly-collections, ${PAGE} rows; deep page = cursor at row ${depth})`);
  console.log('   world        first page median / p95      deep page median / p95');
  console.log(
    `   10k          ${fmt(median(t.smallFirst))} / ${fmt(p95(t.smallFirst))} ms          ${fmt(median(t.smallDeep))} / ${fmt(p95(t.smallDeep))} ms`,
  );
  console.log(
    `   ${String(LARGE / 1000)}k ${' '.repeat(Math.max(0, 9 - String(LARGE / 1000).length))}   ${fmt(median(t.largeFirst))} / ${fmt(p95(t.largeFirst))} ms          ${fmt(median(t.largeDeep))} / ${fmt(p95(t.largeDeep))} ms`,
  );
  const firstRatio = median(pairs.first);
  const deepRatio = median(pairs.deep);
  console.log(
    `   ratio of medians large/small: first ${fmt(median(t.largeFirst) / median(t.smallFirst), 3)}, deep ${fmt(median(t.largeDeep) / median(t.smallDeep), 3)}`,
  );
  console.log(`   median of per-round ratios large/small: first ${fmt(firstRatio, 3)}, deep ${fmt(deepRatio, 3)}`);
  console.log(
    `   deep/first: 10k ${fmt(median(t.smallDeep) / median(t.smallFirst), 3)}, large ${fmt(median(t.largeDeep) / median(t.largeFirst), 3)}`,
  );

  console.log('\n3. Aggregator throughput (real DynamoDBStreamEvent batches of 100 through the handler)');
  process.env[tableEnvVar('OpenData')] = 'T_OpenData';
  reloadConfig(); // what the aggregator's cold start would read
  const { handler } = await import('../functions/opendata/entry/stream');
  const rand = prng(3);
  const N = Number(process.env.BENCH_STREAM_RECORDS ?? 3000);
  const records = Array.from({ length: N }, (_, i) => syntheticPayment(U, 5_000_000 + i, rand));
  const events: DynamoDBStreamEvent[] = [];
  for (let i = 0; i < N; i += 100)
    events.push({
      Records: records.slice(i, i + 100).map((r, j) => ({
        eventID: String(i + j),
        eventName: 'INSERT',
        eventSource: 'aws:dynamodb',
        eventSourceARN: 'arn:aws:dynamodb:local:000000000000:table/Payments/stream/bench',
        dynamodb: {
          SequenceNumber: String(i + j),
          NewImage: marshall({ pk: `PAY#${r.paymentId}`, sk: 'PAY', ...r }) as never,
        },
      })),
    });
  const sizing = new AggregatesTable(ddb(), 'T_OpenData');
  const writesPerRun = records.reduce(
    (s, r) => s + sizing.transactionsOf(paymentContributions(r, clock)).reduce((a, part) => a + part.length, 0),
    0,
  );
  let t0 = performance.now();
  for (const e of events) await handler(e);
  const aggMs = performance.now() - t0;
  t0 = performance.now();
  for (const e of events) await handler(e); // the same batches re-delivered
  const redeliveryMs = performance.now() - t0;
  // Baseline: the same number of item writes as plain BatchWriteItem puts.
  const raw = Array.from({ length: writesPerRun }, (_, i) => ({
    pk: `RAW#${i % 997}`,
    sk: String(i),
    paymentCount: 1,
    amount: 100,
  }));
  t0 = performance.now();
  await batchWrite('B_OpenData', raw);
  const rawMs = performance.now() - t0;
  const recPerS = N / (aggMs / 1000);
  const aggWritesPerS = writesPerRun / (aggMs / 1000);
  const rawWritesPerS = writesPerRun / (rawMs / 1000);
  console.log(
    `   ${N} records → ${writesPerRun} item writes (${fmt(writesPerRun / N, 2)} per record: counters, month index, marker)`,
  );
  console.log(
    `   aggregator      ${fmt(recPerS, 0)} records/s = ${fmt(aggWritesPerS, 0)} item writes/s (TransactWriteItems, 8 in flight)`,
  );
  console.log(`   re-delivery     ${fmt(N / (redeliveryMs / 1000), 0)} records/s, all rejected by their markers`);
  console.log(`   raw baseline    ${fmt(rawWritesPerS, 0)} item writes/s (BatchWriteItem, 4 in flight)`);
  console.log(`   ratio aggregator item writes / raw item writes: ${fmt(aggWritesPerS / rawWritesPerS, 3)}`);

  console.log('');
  console.log(
    `GOAL rows-first-page-latency-ratio-1M-vs-10k ${fmt(firstRatio, 3)} ${GOAL_RATIO} ${firstRatio <= GOAL_RATIO ? 'PASS' : 'MISS'}`,
  );
  console.log(
    `GOAL rows-deep-page-latency-ratio-1M-vs-10k ${fmt(deepRatio, 3)} ${GOAL_RATIO} ${deepRatio <= GOAL_RATIO ? 'PASS' : 'MISS'}`,
  );
} finally {
  await dynamo.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
