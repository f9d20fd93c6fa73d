import { clockAt } from '../../../functions/shared/domain/clock';
import { describe, expect, it } from 'vitest';
import { Catalog, versionInForce } from '../../../functions/catalog/domain/catalog';
import { DomainError } from '../../../functions/shared/domain/errors';
import type { FeeItem } from '../../../schemas/catalog';
import { MemoryCatalogStore } from '../../support/memoryCatalogStore';

const at = (iso: string) => () => new Date(iso);
const base = {
  code: 'PSB-ID',
  departmentId: 'D01',
  name: 'Resident ID card',
  category: 'administrative-fee' as const,
  legalBasis: '居民身份证法',
  approvedBy: '国家发展改革委',
  pricing: { kind: 'fixed' as const, amount: 2000 },
};

async function catalogOn(iso: string, store = new MemoryCatalogStore()) {
  await store.putDepartment({ id: 'D01', name: '公安局' }).catch(() => undefined);
  return { catalog: new Catalog(store, clockAt(at(iso))), store };
}

describe('versionInForce', () => {
  const v = (version: number, effectiveFrom: string, effectiveTo?: string): FeeItem => ({
    ...base,
    version,
    effectiveFrom,
    effectiveTo,
    publishedAt: '',
  });

  it('returns the latest-published version whose period covers the date', () => {
    const versions = [v(1, '2026-01-01'), v(2, '2026-06-01')];
    expect(versionInForce(versions, '2026-05-31')?.version).toBe(1);
    expect(versionInForce(versions, '2026-06-01')?.version).toBe(2);
    expect(versionInForce(versions, '2025-12-31')).toBeUndefined();
  });

  it('finds nothing in force after a retirement date, and the last day is still in force', () => {
    const versions = [v(1, '2026-01-01'), v(2, '2026-01-01', '2026-03-31')];
    expect(versionInForce(versions, '2026-03-31')?.version).toBe(2);
    expect(versionInForce(versions, '2026-04-01')).toBeUndefined();
  });
});

describe('Catalog', () => {
  it('publishes version 1 effective today by default (business date in Asia/Shanghai)', async () => {
    // 17:00 UTC is already the next day in Shanghai.
    const { catalog } = await catalogOn('2026-03-01T17:00:00Z');
    const item = await catalog.createFeeItem(base);
    expect(item).toMatchObject({ version: 1, effectiveFrom: '2026-03-02' });
  });

  it('rejects a version that would take effect in the past', async () => {
    const { catalog } = await catalogOn('2026-03-01T02:00:00Z');
    await catalog.createFeeItem(base);
    await expect(
      catalog.publishVersion('PSB-ID', {
        ...base,
        code: undefined,
        departmentId: undefined,
        effectiveFrom: '2026-02-28',
      } as never),
    ).rejects.toMatchObject({
      type: 'retroactive-change',
    });
  });

  it('keeps every version and answers asOf with the version in force then', async () => {
    const store = new MemoryCatalogStore();
    const { catalog: jan } = await catalogOn('2026-01-01T02:00:00Z', store);
    await jan.createFeeItem(base);
    const { code: _c, departmentId: _d, ...fields } = base;
    await jan.publishVersion('PSB-ID', {
      ...fields,
      pricing: { kind: 'fixed', amount: 2500 },
      effectiveFrom: '2026-07-01',
    });
    const { catalog: later } = await catalogOn('2026-08-01T02:00:00Z', store);
    expect((await later.inForce('2026-06-30'))[0]?.pricing).toEqual({ kind: 'fixed', amount: 2000 });
    expect((await later.inForce('2026-07-01'))[0]?.pricing).toEqual({ kind: 'fixed', amount: 2500 });
    const history = await later.history('PSB-ID');
    expect(history.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(history.current?.version).toBe(2);
  });

  it('retires by publishing an end-dated version; nothing is in force afterwards', async () => {
    const { catalog } = await catalogOn('2026-01-01T02:00:00Z');
    await catalog.createFeeItem(base);
    const retired = await catalog.retire('PSB-ID', '2026-03-31');
    expect(retired).toMatchObject({ version: 2, effectiveTo: '2026-03-31', pricing: base.pricing });
    expect(await catalog.inForce('2026-04-01')).toEqual([]);
    await expect(catalog.retire('PSB-ID', '2026-05-01')).rejects.toBeInstanceOf(DomainError);
  });

  it('refuses a fee item for an unknown department', async () => {
    const { catalog } = await catalogOn('2026-01-01T02:00:00Z');
    await expect(catalog.createFeeItem({ ...base, departmentId: 'D99' })).rejects.toMatchObject({
      type: 'department-unknown',
    });
  });
});
