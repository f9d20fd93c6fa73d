import { describe, expect, it } from 'vitest';
import type { CatalogStore } from '../../functions/catalog/ports';
import type { FeeItem } from '../../schemas/catalog';
import { uniq } from '../support/api';

const problem = (type: string) => expect.objectContaining({ type });

function version(code: string, v: number, departmentId: string, extra: Partial<FeeItem> = {}): FeeItem {
  return {
    code,
    name: `fee ${code}`,
    departmentId,
    category: 'administrative-fee',
    legalBasis: '居民身份证法',
    approvedBy: '国家发展改革委',
    pricing: { kind: 'fixed', amount: 1000 * v },
    effectiveFrom: `2026-0${v}-01`,
    version: v,
    publishedAt: `2026-01-0${v}T00:00:00.000Z`,
    ...extra,
  };
}

/**
 * What the catalog domain relies on from a CatalogStore, whichever stores it: the in-memory fake of
 * the unit tests and the Catalog table adapter. Each test uses its own ids (the DynamoDB run shares
 * one table), so whole-catalog reads are filtered to them.
 */
export function describeCatalogStoreContract(name: string, makeStore: () => CatalogStore | Promise<CatalogStore>) {
  describe(`${name} (CatalogStore contract)`, () => {
    it('reads back a department by id and lists it; an unknown id reads as undefined', async () => {
      const store = await makeStore();
      const d = { id: `D${uniq()}`, name: '公安局' };
      await store.putDepartment(d);
      expect(await store.getDepartment(d.id)).toEqual(d);
      expect((await store.listDepartments()).filter((x) => x.id === d.id)).toEqual([d]);
      expect(await store.getDepartment(`D${uniq()}`)).toBeUndefined();
    });

    it('refuses a second department under a taken id with department-exists, keeping the first', async () => {
      const store = await makeStore();
      const d = { id: `D${uniq()}`, name: '公安局' };
      await store.putDepartment(d);
      await expect(store.putDepartment({ ...d, name: 'other' })).rejects.toEqual(problem('department-exists'));
      expect(await store.getDepartment(d.id)).toEqual(d);
    });

    it('lists the versions of one item ascending by version, each as it was written', async () => {
      const store = await makeStore();
      const code = `C-${uniq()}`;
      const v1 = version(code, 1, 'D01');
      const v2 = version(code, 2, 'D01', { pricing: { kind: 'per-unit', unitAmount: 333, unit: '件' } });
      const v3 = version(code, 3, 'D01', { effectiveTo: '2026-12-31' });
      await store.putVersion(v1);
      await store.putVersion(v3);
      await store.putVersion(v2);
      expect(await store.listVersions(code)).toEqual([v1, v2, v3]);
    });

    it('lists no versions for an unknown code', async () => {
      const store = await makeStore();
      expect(await store.listVersions(`C-${uniq()}`)).toEqual([]);
    });

    it('refuses a taken (code, version): fee-item-exists for version 1, concurrent-update after', async () => {
      const store = await makeStore();
      const code = `C-${uniq()}`;
      await store.putVersion(version(code, 1, 'D01'));
      await expect(store.putVersion(version(code, 1, 'D02'))).rejects.toEqual(problem('fee-item-exists'));
      await store.putVersion(version(code, 2, 'D01'));
      await expect(store.putVersion(version(code, 2, 'D01', { name: 'racer' }))).rejects.toEqual(
        problem('concurrent-update'),
      );
      expect((await store.listVersions(code)).map((v) => [v.version, v.departmentId, v.name])).toEqual([
        [1, 'D01', `fee ${code}`],
        [2, 'D01', `fee ${code}`],
      ]);
    });

    it('lists every version of every item in the whole catalog', async () => {
      const store = await makeStore();
      const a = `C-${uniq()}`;
      const b = `C-${uniq()}`;
      const written = [version(a, 1, 'D01'), version(a, 2, 'D01'), version(b, 1, 'D02')];
      for (const v of written) await store.putVersion(v);
      const mine = (await store.listAllVersions()).filter((v) => v.code === a || v.code === b);
      const key = (v: FeeItem) => `${v.code}#${v.version}`;
      expect(mine.sort((x, y) => key(x).localeCompare(key(y)))).toEqual(
        written.sort((x, y) => key(x).localeCompare(key(y))),
      );
    });
  });
}
