import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyItems } from '../../../functions/opendata/domain/aggregation';
import { createHash } from 'node:crypto';
import { contentSha256, DATASETS, toCsv, type Row } from '../../../functions/opendata/domain/datasets';
import { buildPublication, publish } from '../../../functions/opendata/domain/publishing';
import { resolveRowsRequest, rowsPage } from '../../../functions/opendata/domain/releases';
import { clockAt } from '../../../functions/shared/domain/clock';
import type { PaymentRecord, RefundRecord } from '../../../schemas/records';
import { MemoryCatalogStore } from '../../support/memoryCatalogStore';
import { attack } from './attacker';
import { prng, syntheticPayment, syntheticRefund, universe, type Universe } from './fixtures';
import { MemoryAggregateStore, MemoryReleaseFiles, MemoryReleaseStore } from './memoryStores';

const AT = new Date('2025-07-15T04:00:00.000Z');
/** The business clock at AT, in Asia/Shanghai. */
const clock = clockAt(AT, 'Asia/Shanghai');

function records(u: Universe, count: number, seed: number, refundShare = 0.1): (PaymentRecord | RefundRecord)[] {
  const rand = prng(seed);
  const out: (PaymentRecord | RefundRecord)[] = [];
  for (let i = 0; i < count; i++) {
    const p = syntheticPayment(u, i, rand);
    out.push(p);
    if (rand() < refundShare) out.push(syntheticRefund(p, i));
  }
  return out;
}

async function aggregated(recs: (PaymentRecord | RefundRecord)[]) {
  const store = new MemoryAggregateStore();
  await applyItems(store, recs as unknown as Record<string, unknown>[], clock);
  return store;
}

const rowsOf = (pub: Awaited<ReturnType<typeof buildPublication>>, id: string) =>
  pub.datasets.find((d) => d.id === id)!.rows;

/** Ground truth per monthly cell straight from the records (the UTC hours used keep the Shanghai date). */
function truthMonthly(recs: (PaymentRecord | RefundRecord)[]) {
  const t = new Map<string, { paymentCount: number; amount: number; refundCount: number; refundAmount: number }>();
  const cell = (k: string) =>
    t.get(k) ?? t.set(k, { paymentCount: 0, amount: 0, refundCount: 0, refundAmount: 0 }).get(k)!;
  for (const r of recs) {
    if (r.recordType === 'payment') {
      const seen = new Set<string>();
      for (const l of r.lines) {
        const k = `${r.paidAt.slice(0, 7)}#${l.departmentId}#${l.feeCode}`;
        cell(k).amount += l.amount;
        if (!seen.has(k)) cell(k).paymentCount++;
        seen.add(k);
      }
    } else
      for (const l of r.lines) {
        const k = `${r.refundedAt.slice(0, 7)}#${l.departmentId}#${l.feeCode}`;
        cell(k).refundCount++;
        cell(k).refundAmount += l.amount;
      }
  }
  return t;
}

describe('buildPublication', () => {
  it('publishes exact figures for cells of at least k payments and nothing but null for the others', async () => {
    const u = universe({ departments: 4, feesPerDepartment: 3, months: ['2025-04', '2025-05', '2025-06'] });
    const recs = records(u, 600, 11);
    const pub = await buildPublication(await aggregated(recs), new MemoryCatalogStore(), {
      today: clock.today(),
      k: 5,
    });
    const truth = truthMonthly(recs);
    const monthly = rowsOf(pub, 'monthly-collections');
    expect(monthly.length).toBe(truth.size);
    for (const row of monthly) {
      const t = truth.get(`${row.month}#${row.departmentId}#${row.feeCode}`)!;
      if (row.suppressed)
        expect([row.paymentCount, row.amount, row.refundCount, row.refundAmount]).toEqual([null, null, null, null]);
      else {
        expect(row).toMatchObject(t);
        expect(t.paymentCount).toBeGreaterThanOrEqual(5);
      }
      if (t.paymentCount < 5) expect(row.suppressed).toBe(true);
    }
    for (const d of pub.datasets.filter((d) => d.id !== 'fee-catalog')) {
      expect(d.disclosure.k).toBe(5);
      if (d.disclosure.smallestPublishedCount !== null)
        expect(d.disclosure.smallestPublishedCount).toBeGreaterThanOrEqual(5);
      for (const row of d.rows)
        if (row.suppressed) for (const f of DATASETS[d.id].fields) if (f.suppressible) expect(row[f.name]).toBeNull();
    }
    // Daily volumes of a month add up to the month's total (the relation the attacker uses) — in truth.
    expect(rowsOf(pub, 'daily-channel-volume').length).toBeGreaterThan(0);
  });

  it('publishes only completed business months', async () => {
    const u = universe({ departments: 1, feesPerDepartment: 1, months: ['2025-06', '2025-07'] });
    const pub = await buildPublication(await aggregated(records(u, 50, 3)), new MemoryCatalogStore(), {
      today: clock.today(),
      k: 3,
    });
    expect(pub.periodsUpTo).toBe('2025-06');
    expect(new Set(rowsOf(pub, 'monthly-collections').map((r) => r.month))).toEqual(new Set(['2025-06']));
    expect(rowsOf(pub, 'daily-channel-volume').every((r) => String(r.date).startsWith('2025-06'))).toBe(true);
  });

  it('leaves an attacker who tries every relation and solves the linear system across datasets with nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 5, max: 400 }),
        fc.integer({ min: 3, max: 10 }),
        async (seed, departments, fees, count, k) => {
          const u = universe({ departments, feesPerDepartment: fees, months: ['2025-05', '2025-06'] });
          const recs = records(u, count, seed, 0.15);
          const pub = await buildPublication(await aggregated(recs), new MemoryCatalogStore(), {
            today: clock.today(),
            k,
          });
          const truth = truthMonthly(recs);
          const knownZero = new Set(
            [...truth].filter(([, t]) => t.paymentCount === 0).map(([key]) => `monthly-collections:${key}`),
          );
          const result = attack(
            {
              monthly: rowsOf(pub, 'monthly-collections'),
              daily: rowsOf(pub, 'daily-channel-volume'),
              notice: rowsOf(pub, 'notice-to-payment-time'),
            },
            knownZero,
          );
          expect(result.singleUnknown).toEqual([]);
          expect(result.determined).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('is what stops the attacker: with primary suppression alone the same attacker recovers cells', async () => {
    // One busy fee item and one rare one in the same department and month.
    const u = universe({ departments: 1, feesPerDepartment: 2, months: ['2025-06'] });
    const rand = prng(5);
    const recs: PaymentRecord[] = [];
    for (let i = 0; i < 40; i++) {
      const p = syntheticPayment(u, i, rand);
      const fee = u.fees.get('D01')![i < 38 ? 0 : 1]!;
      recs.push({
        ...p,
        amount: fee.amount,
        lines: [{ ...p.lines[0]!, departmentId: 'D01', feeCode: fee.code, amount: fee.amount }],
      });
    }
    const pub = await buildPublication(await aggregated(recs), new MemoryCatalogStore(), {
      today: clock.today(),
      k: 5,
    });
    const withSecondary = {
      monthly: rowsOf(pub, 'monthly-collections'),
      daily: rowsOf(pub, 'daily-channel-volume'),
      notice: rowsOf(pub, 'notice-to-payment-time'),
    };
    expect(attack(withSecondary).determined).toEqual([]);

    // Undo the secondary suppression: publish the true figures of every cell of at least k.
    const truth = truthMonthly(recs);
    const primaryOnly = {
      ...withSecondary,
      monthly: withSecondary.monthly.map((r): Row => {
        const t = truth.get(`${r.month}#${r.departmentId}#${r.feeCode}`)!;
        return t.paymentCount >= 5 ? { ...r, ...t, suppressed: false } : r;
      }),
      notice: withSecondary.notice.map((r): Row => ({ ...r, count: 40, suppressed: false })),
    };
    const leak = attack(primaryOnly);
    expect(leak.singleUnknown.map((s) => s.value)).toContain(2);
    expect(leak.determined).toContain(`monthly-collections:2025-06#D01#${u.fees.get('D01')![1]!.code}`);
  });
});

describe('publish and read releases', () => {
  async function setup() {
    const catalog = new MemoryCatalogStore();
    await catalog.putDepartment({ id: 'D01', name: '公安局' });
    await catalog.putVersion({
      code: 'F1-1',
      name: '居民身份证工本费',
      departmentId: 'D01',
      category: 'administrative-fee',
      legalBasis: '《居民身份证法》',
      approvedBy: '国家发展改革委, 财政部',
      pricing: { kind: 'fixed', amount: 1000 },
      effectiveFrom: '2025-01-01',
      version: 1,
      publishedAt: '2025-01-01T00:00:00.000Z',
    });
    const u = universe({ departments: 3, feesPerDepartment: 4, months: ['2025-04', '2025-05', '2025-06'] });
    const aggregates = await aggregated(records(u, 900, 21));
    return { catalog, aggregates, releases: new MemoryReleaseStore(), files: new MemoryReleaseFiles(), clock };
  }

  it('stores an immutable release per dataset with the content hash, and does not republish unchanged content', async () => {
    const deps = await setup();
    const first = await publish(deps, { at: AT, k: 5 });
    expect(first.published).toBe(true);
    expect(first.releases.map((r) => r.datasetId).sort()).toEqual([
      'daily-channel-volume',
      'fee-catalog',
      'monthly-collections',
      'notice-to-payment-time',
    ]);
    for (const r of first.releases) {
      const rows = (deps.releases.rows.get(`${r.datasetId}#${r.id}`) ?? []).map((s) => s.row);
      expect(r.rowCount).toBe(rows.length);
      expect(r.sha256).toBe(contentSha256(DATASETS[r.datasetId], rows));
    }
    expect(deps.releases.rows.get(`fee-catalog#${first.publicationId}`)![0]!.row).toMatchObject({
      code: 'F1-1',
      amount: 1000,
      unit: null,
      version: 1,
    });

    const again = await publish(deps, { at: new Date(AT.getTime() + 86_400_000), k: 5 });
    expect(again).toMatchObject({ published: false, publicationId: first.publicationId });
    expect(deps.releases.releases).toHaveLength(4);
  });

  it('writes each release as a public CSV file (the CSV of the rows route, every row) before its record', async () => {
    const deps = await setup();
    const first = await publish(deps, { at: AT, k: 5 });
    for (const r of first.releases) {
      const rows = (deps.releases.rows.get(`${r.datasetId}#${r.id}`) ?? []).map((s) => s.row);
      const file = deps.files.files.get(`open-data/${r.datasetId}/${r.id}.csv`)!;
      expect(file).toEqual({
        body: toCsv(DATASETS[r.datasetId], rows),
        contentType: 'text/csv; charset=utf-8; header=present',
      });
      expect(r.file).toEqual({
        path: `open-data/${r.datasetId}/${r.id}.csv`,
        mediaType: 'text/csv; charset=utf-8; header=present',
        bytes: Buffer.byteLength(file.body, 'utf8'),
        sha256: createHash('sha256').update(file.body, 'utf8').digest('hex'),
      });
    }
    // A latest release from before releases had files is published again, though nothing else changed.
    for (const r of deps.releases.releases) delete r.file;
    const again = await publish(deps, { at: new Date(AT.getTime() + 86_400_000), k: 5 });
    expect(again.published).toBe(true);
    expect(again.releases.every((r) => r.file)).toBe(true);
  });

  it('pages rows by key, so every row appears exactly once, and filters on any field', async () => {
    const deps = await setup();
    await publish(deps, { at: AT, k: 5 });
    const all: Row[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const req = await resolveRowsRequest(
        deps.releases,
        'monthly-collections',
        { limit: '7', ...(cursor ? { cursor } : {}) },
        'json',
      );
      const page = await rowsPage(deps.releases, req);
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    const release = (await deps.releases.latestRelease('monthly-collections'))!;
    expect(all).toHaveLength(release.rowCount);
    expect(pages).toBe(Math.ceil(release.rowCount / 7));
    expect(new Set(all.map((r) => `${r.month}#${r.departmentId}#${r.feeCode}`)).size).toBe(all.length);

    const filtered = await rowsPage(
      deps.releases,
      await resolveRowsRequest(deps.releases, 'monthly-collections', { month: '2025-05', feeCode: 'F2-1' }, 'json'),
    );
    expect(filtered.items.length).toBeGreaterThan(0);
    expect(filtered.items.every((r) => r.month === '2025-05' && r.feeCode === 'F2-1')).toBe(true);
    expect(filtered.items).toEqual(all.filter((r) => r.month === '2025-05' && r.feeCode === 'F2-1'));

    const suppressedOnly = await rowsPage(
      deps.releases,
      await resolveRowsRequest(deps.releases, 'monthly-collections', { suppressed: 'true', limit: '1000' }, 'json'),
    );
    expect(suppressedOnly.items).toEqual(all.filter((r) => r.suppressed));
  });

  it('rejects filters on unknown fields and values of the wrong type, naming the field', async () => {
    const deps = await setup();
    await publish(deps, { at: AT, k: 5 });
    await expect(
      resolveRowsRequest(deps.releases, 'daily-channel-volume', { payerName: 'x', paymentCount: 'many' }, 'json'),
    ).rejects.toMatchObject({
      type: 'validation-failed',
      errors: [expect.objectContaining({ path: 'payerName' }), expect.objectContaining({ path: 'paymentCount' })],
    });
    await expect(resolveRowsRequest(deps.releases, 'no-such', {}, 'json')).rejects.toMatchObject({
      type: 'dataset-unknown',
    });
    await expect(resolveRowsRequest(deps.releases, 'fee-catalog', { release: 'nope' }, 'json')).rejects.toMatchObject({
      type: 'release-unknown',
    });
  });
});
