import { describe, expect, it } from 'vitest';
import { waitForAggregation } from '../../../infra/local/streams';
import { contentSha256, DATASETS, type Row } from '../../../functions/opendata/domain/datasets';
import { publish } from '../../../functions/opendata/domain/publishing';
import { resolveRowsRequest, rowsPage } from '../../../functions/opendata/domain/releases';
import { publishDeps, releasesTable } from '../../../functions/opendata/wiring';
import type { DatasetId } from '../../../schemas/opendata';
import { uniq } from '../../support/api';
import { attack } from '../../unit/opendata/attacker';
import { prng, syntheticPayment, syntheticRefund, universe } from '../../unit/opendata/fixtures';
import { writePaymentsTable } from './support';

const releases = releasesTable();

async function allRows(datasetId: DatasetId, releaseId: string, limit = 37): Promise<Row[]> {
  const out: Row[] = [];
  let cursor: string | undefined;
  do {
    const page = await rowsPage(
      releases,
      await resolveRowsRequest(
        releases,
        datasetId,
        { release: releaseId, limit: String(limit), ...(cursor ? { cursor } : {}) },
        'json',
      ),
    );
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

describe('publisher on DynamoDB Local', () => {
  it('publishes immutable, hash-verified releases whose suppression withstands the cross-dataset attacker', async () => {
    const tag = uniq();
    const u = universe({ departments: 3, feesPerDepartment: 3, months: ['2024-05', '2024-06'] });
    const depts = u.departments.map((d) => `${d}Y${tag}`);
    u.fees = new Map(
      [...u.fees.values()].map((fees, i) => [depts[i]!, fees.map((f) => ({ ...f, code: `${f.code}-${tag}` }))]),
    );
    u.departments = depts;
    const rand = prng(77);
    const recs = [];
    for (let i = 0; i < 240; i++) {
      const p = syntheticPayment(u, i, rand, { paymentId: `P${tag}-${i}` });
      recs.push(p);
      if (i % 9 === 0) recs.push({ ...syntheticRefund(p, i), refundId: `RF${tag}-${i}` });
    }
    // A rare fee item: two payments in June, a cell that must be suppressed.
    const rare = { code: `RARE-${tag}`, amount: 777 };
    for (let i = 0; i < 2; i++) {
      const p = syntheticPayment({ ...u, months: ['2024-06'] }, 1000 + i, rand, { paymentId: `P${tag}-rare-${i}` });
      recs.push({
        ...p,
        amount: rare.amount,
        lines: [{ ...p.lines[0]!, departmentId: depts[0]!, feeCode: rare.code, amount: rare.amount }],
      });
    }
    await waitForAggregation(await writePaymentsTable(recs));

    const outcome = await publish(publishDeps(releases), { k: 5 });
    expect(outcome.releases).toHaveLength(4);
    const rows: Record<string, Row[]> = {};
    for (const r of outcome.releases) {
      rows[r.datasetId] = await allRows(r.datasetId, r.id);
      expect(rows[r.datasetId]).toHaveLength(r.rowCount);
      expect(contentSha256(DATASETS[r.datasetId], rows[r.datasetId]!)).toBe(r.sha256);
      expect(await releases.getRelease(r.datasetId, r.id)).toEqual(r);
    }
    const mine = rows['monthly-collections']!.filter((r) => depts.includes(String(r.departmentId)));
    expect(mine.length).toBeGreaterThan(10);
    expect(mine.find((r) => r.feeCode === `RARE-${tag}`)).toMatchObject({
      paymentCount: null,
      amount: null,
      suppressed: true,
    });
    expect(mine.filter((r) => r.suppressed).length).toBeGreaterThanOrEqual(2); // the rare cell and a complement
    expect(mine.some((r) => !r.suppressed)).toBe(true);

    const result = attack({
      monthly: rows['monthly-collections']!,
      daily: rows['daily-channel-volume']!,
      notice: rows['notice-to-payment-time']!,
    });
    expect(result.unknowns).toBeGreaterThan(0);
    expect(result.singleUnknown).toEqual([]);
    expect(result.determined).toEqual([]);

    // A deep page is the same keyset query as the first one, from the cursor's key.
    const monthly = outcome.releases.find((r) => r.datasetId === 'monthly-collections')!;
    const all = rows['monthly-collections']!;
    const firstTen = await rowsPage(
      releases,
      await resolveRowsRequest(releases, 'monthly-collections', { release: monthly.id, limit: '10' }, 'json'),
    );
    expect(firstTen.items).toEqual(all.slice(0, 10));
    const byMonthAndDept = await rowsPage(
      releases,
      await resolveRowsRequest(
        releases,
        'monthly-collections',
        { release: monthly.id, month: '2024-06', departmentId: depts[1]! },
        'json',
      ),
    );
    expect(byMonthAndDept.items).toEqual(all.filter((r) => r.month === '2024-06' && r.departmentId === depts[1]));
  });
});
