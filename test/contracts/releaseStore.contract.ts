import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Row } from '../../functions/opendata/domain/datasets';
import type { ReleaseStore, StoredRow } from '../../functions/opendata/ports';
import type { DatasetId, Release } from '../../schemas/opendata';

/**
 * The ReleaseStore contract (functions/opendata/ports.ts), run against the in-memory fake
 * (test/unit/opendata) and the OpenData table adapter (test/integration/opendata). Each test
 * publishes under a dataset id of its own (`contract-<tag>`, which no reader of the real datasets
 * ever asks for), so runs against the shared DynamoDB Local never collide with each other or with
 * real releases.
 */
const tag = () => randomUUID().replace(/-/g, '').slice(0, 12);
const datasetOf = (t: string) => `contract-${t}` as DatasetId;

/** Release ids sort by publication time, like the publisher's (compact instant, random suffix). */
const releaseId = (n: number) => `2025${String(n).padStart(4, '0')}T000000000Z-${tag().slice(0, 6)}`;

const release = (datasetId: DatasetId, id: string, rowCount = 0): Release => ({
  id,
  datasetId,
  publishedAt: '2025-07-15T04:00:00.000Z',
  sha256: 'ab'.repeat(32),
  rowCount,
  disclosure: { k: 5, primarySuppressed: 1, secondarySuppressed: 2, smallestPublishedCount: null },
  periodsUpTo: '2025-06',
});

const stored = (key: string, row: Row): StoredRow => ({ key, row });

/** Follows `last` until the store says nothing follows. */
async function allPages<T>(page: (after?: string) => Promise<{ items: T[]; last?: string }>) {
  const pages: { items: T[]; last?: string }[] = [];
  let after: string | undefined;
  do {
    const p = await page(after);
    pages.push(p);
    after = p.last;
  } while (after !== undefined && pages.length < 100);
  return pages;
}

export function describeReleaseStoreContract(name: string, makeStore: () => ReleaseStore): void {
  describe(`ReleaseStore contract: ${name}`, () => {
    it('knows no release, and no rows, of a dataset never published', async () => {
      const store = makeStore();
      const d = datasetOf(tag());
      expect(await store.latestRelease(d)).toBeUndefined();
      expect(await store.getRelease(d, releaseId(1))).toBeUndefined();
      expect(await store.listReleases(d, 10)).toEqual({ items: [] });
      expect(await store.pageRows(d, releaseId(1), { filters: {}, limit: 10 })).toEqual({ rows: [] });
    });

    it('returns a release as it was put, and the one with the greatest id as the latest', async () => {
      const store = makeStore();
      const d = datasetOf(tag());
      const older = release(d, releaseId(1), 1);
      const newer = release(d, releaseId(2), 1);
      await store.putRelease(newer, [stored('k1', { a: 1 })]);
      await store.putRelease(older, [stored('k1', { a: 0 })]);
      expect(await store.latestRelease(d)).toEqual(newer);
      expect(await store.getRelease(d, older.id)).toEqual(older);
      expect((await store.pageRows(d, older.id, { filters: {}, limit: 10 })).rows).toEqual([{ a: 0 }]);
    });

    it('refuses a second release under an existing id, and the first stays', async () => {
      const store = makeStore();
      const d = datasetOf(tag());
      const first = release(d, releaseId(1));
      await store.putRelease(first, []);
      await expect(store.putRelease({ ...first, sha256: 'cd'.repeat(32) }, [])).rejects.toThrow(/exists/);
      expect(await store.getRelease(d, first.id)).toEqual(first);
    });

    it('lists releases newest first, in pages that together hold each release once', async () => {
      const store = makeStore();
      const d = datasetOf(tag());
      const releases = [3, 1, 5, 2, 4].map((n) => release(d, releaseId(n)));
      for (const r of releases) await store.putRelease(r, []);
      const pages = await allPages((after) => store.listReleases(d, 2, after));
      for (const p of pages) expect(p.items.length).toBeLessThanOrEqual(2);
      // A page may end the list without knowing it (`last` set, next page empty), never the reverse.
      for (const p of pages.slice(0, -1)) expect(p.last).toBe(p.items.at(-1)?.id);
      expect(pages.flatMap((p) => p.items)).toEqual([...releases].sort((a, b) => (a.id < b.id ? 1 : -1)));
    });

    it('pages rows in key order, with `last` set exactly when more rows follow', async () => {
      const store = makeStore();
      const d = datasetOf(tag());
      const r = release(d, releaseId(1), 7);
      const keys = ['a#05', 'a#01', 'a#07', 'a#03', 'a#02', 'a#06', 'a#04'];
      await store.putRelease(
        r,
        keys.map((k) => stored(k, { k })),
      );
      const pages = await allPages(async (after) => {
        const p = await store.pageRows(d, r.id, { filters: {}, after, limit: 3 });
        return { items: p.rows, last: p.last };
      });
      expect(pages.map((p) => p.items.map((row) => row.k))).toEqual([
        ['a#01', 'a#02', 'a#03'],
        ['a#04', 'a#05', 'a#06'],
        ['a#07'],
      ]);
      expect(pages.map((p) => p.last)).toEqual(['a#03', 'a#06', undefined]);
      expect(await store.pageRows(d, r.id, { filters: {}, limit: 7 })).toMatchObject({ last: undefined });
    });

    it('narrows rows to a key prefix (ending in #) or to one whole key', async () => {
      const store = makeStore();
      const d = datasetOf(tag());
      const r = release(d, releaseId(1), 4);
      const keys = ['2025-01#D1#F1', '2025-01#D1#F2', '2025-01#D2#F1', '2025-02#D1#F1'];
      await store.putRelease(
        r,
        keys.map((k) => stored(k, { k })),
      );
      const keysOf = async (keyPrefix: string) =>
        (await store.pageRows(d, r.id, { keyPrefix, filters: {}, limit: 10 })).rows.map((row) => row.k);
      expect(await keysOf('2025-01#D1#')).toEqual(['2025-01#D1#F1', '2025-01#D1#F2']);
      expect(await keysOf('2025-01#')).toEqual(['2025-01#D1#F1', '2025-01#D1#F2', '2025-01#D2#F1']);
      expect(await keysOf('2025-01#D2#F1')).toEqual(['2025-01#D2#F1']);
      expect(await keysOf('2025-01#D2')).toEqual([]);
    });

    it('takes a cursor from outside the prefix: before it means from the start, past it means nothing', async () => {
      const store = makeStore();
      const d = datasetOf(tag());
      const r = release(d, releaseId(1), 5);
      const keys = ['a#1', 'b#1', 'b#2', 'b#3', 'c#1'];
      await store.putRelease(
        r,
        keys.map((k) => stored(k, { k })),
      );
      const page = (keyPrefix: string, after: string) =>
        store.pageRows(d, r.id, { keyPrefix, filters: {}, after, limit: 10 });
      expect((await page('b#', 'a#1')).rows.map((row) => row.k)).toEqual(['b#1', 'b#2', 'b#3']);
      expect((await page('b#', 'b#1')).rows.map((row) => row.k)).toEqual(['b#2', 'b#3']);
      expect(await page('b#', 'c#1')).toEqual({ rows: [] });
      expect((await page('b#2', 'a#1')).rows.map((row) => row.k)).toEqual(['b#2']);
      expect(await page('b#2', 'b#2')).toEqual({ rows: [] });
    });

    it('filters on other fields by equality, reading as far as it takes to fill a page', async () => {
      const store = makeStore();
      const d = datasetOf(tag());
      const r = release(d, releaseId(1), 600);
      // One row in a hundred matches: a page of matches spans several reads of the partition.
      const rows = Array.from({ length: 600 }, (_, i) => {
        const k = `r#${String(i).padStart(4, '0')}`;
        return stored(k, { k, rare: i % 100 === 42, channel: i % 2 ? 'card' : 'cash', count: i % 7 });
      });
      await store.putRelease(r, rows);
      const first = await store.pageRows(d, r.id, { filters: { rare: true }, limit: 4 });
      expect(first.rows.map((row) => row.k)).toEqual(['r#0042', 'r#0142', 'r#0242', 'r#0342']);
      expect(first.last).toBe('r#0342');
      const second = await store.pageRows(d, r.id, { filters: { rare: true }, after: first.last, limit: 4 });
      expect(second).toEqual({ rows: [rows[442]!.row, rows[542]!.row] });
      const both = await store.pageRows(d, r.id, { filters: { channel: 'card', count: 3 }, limit: 1000 });
      expect(both.rows).toEqual(rows.filter((s) => s.row.channel === 'card' && s.row.count === 3).map((s) => s.row));
      expect(both.last).toBeUndefined();
    });
  });
}
