/**
 * Small-cell suppression (小单元格抑制) over all datasets of one publication at once.
 *
 * Invariants (docs/adr/0006-open-data-disclosure-control.md derives them):
 * 1. Primary: a cell counting fewer than k payments is suppressed: every figure of it is null.
 * 2. Secondary: for every linear relation between published cells (within a dataset or across
 *    datasets), no suppressed cell is determined by the published ones. The greedy pass makes every
 *    relation with a suppressed term hold at least two; then an exact solver (Gauss-Jordan over the
 *    rationals on the suppressed unknowns) checks that no suppressed cell is determined by the whole
 *    system, and suppresses more until none is. If that is impossible the publication fails closed.
 */
export const DEFAULT_MIN_CELL = 5;
export const MIN_CELL_FLOOR = 3;

/**
 * k of small-cell suppression: the configured value (OPEN_DATA_MIN_CELL, which the configuration
 * already parses as a whole number, so a typo stops the function at cold start), never below 3.
 * The rule also takes a raw setting (a string, or nothing) for callers that hold one: absent, empty
 * or not a number means the default 5.
 */
export function minCellSize(configured: number | string | undefined): number {
  const n =
    typeof configured === 'number'
      ? configured
      : configured === undefined || configured.trim() === ''
        ? DEFAULT_MIN_CELL
        : Number(configured);
  if (!Number.isFinite(n)) return DEFAULT_MIN_CELL;
  return Math.max(MIN_CELL_FLOOR, Math.floor(n));
}

export interface DisclosureCell {
  /** Unique across the publication, e.g. `monthly-collections:2026-01#D01#PSB-ID`. */
  id: string;
  dataset: string;
  /** Payments the cell counts (the k test). */
  count: number;
}

/** Σ coef·value(cell) = 0 holds for the true values of these cells (e.g. Σ daily − Σ monthly). */
export interface Relation {
  name: string;
  terms: { cell: string; coef: number }[];
}

export type Suppression = 'primary' | 'secondary';

export interface DatasetDisclosure {
  k: number;
  primarySuppressed: number;
  secondarySuppressed: number;
  smallestPublishedCount: number | null;
}

export interface SuppressionResult {
  suppressed: Map<string, Suppression>;
  byDataset: Map<string, DatasetDisclosure>;
}

export class DisclosureUnresolved extends Error {}

export function suppressSmallCells(
  cells: readonly DisclosureCell[],
  relations: readonly Relation[],
  k: number,
): SuppressionResult {
  const byId = new Map(cells.map((c) => [c.id, c]));
  const suppressed = new Map<string, Suppression>();
  for (const c of cells) if (c.count < k) suppressed.set(c.id, 'primary');

  const relationsOf = new Map<string, Relation[]>();
  for (const r of relations)
    for (const t of r.terms) (relationsOf.get(t.cell) ?? relationsOf.set(t.cell, []).get(t.cell)!).push(r);

  /** The published cell of a relation that costs least to hide: smallest count, then id. */
  const cheapestPublished = (r: Relation): string | undefined => {
    let best: DisclosureCell | undefined;
    for (const t of r.terms) {
      if (suppressed.has(t.cell)) continue;
      const c = byId.get(t.cell)!;
      if (!best || c.count < best.count || (c.count === best.count && c.id < best.id)) best = c;
    }
    return best?.id;
  };

  for (;;) {
    // Greedy pass: a relation with exactly one suppressed term would give that term away.
    let changed = true;
    while (changed) {
      changed = false;
      for (const r of relations) {
        const hidden = r.terms.filter((t) => suppressed.has(t.cell)).length;
        if (hidden !== 1) continue;
        const extra = cheapestPublished(r);
        if (!extra)
          throw new DisclosureUnresolved(`relation ${r.name} has one suppressed term and nothing to hide with it`);
        suppressed.set(extra, 'secondary');
        changed = true;
      }
    }
    // Exact check: combinations of relations can still determine a cell (x+y and x+y+z give z).
    const determined = determinedCells(relations, new Set(suppressed.keys()));
    if (determined.length === 0) break;
    let progressed = false;
    for (const id of determined) {
      const candidates = (relationsOf.get(id) ?? []).map(cheapestPublished).filter((c): c is string => c !== undefined);
      const extra = candidates.sort((a, b) => byId.get(a)!.count - byId.get(b)!.count || (a < b ? -1 : 1))[0];
      if (extra) {
        suppressed.set(extra, 'secondary');
        progressed = true;
        break; // re-check: one more unknown can protect several cells at once
      }
    }
    if (!progressed)
      throw new DisclosureUnresolved(
        `cells ${determined.slice(0, 5).join(', ')} stay determined with every related cell suppressed`,
      );
  }

  return { suppressed, byDataset: disclosureByDataset(cells, suppressed, k) };
}

/** What each dataset's release says about its suppression: k, cells hidden, the smallest count shown. */
function disclosureByDataset(
  cells: readonly DisclosureCell[],
  suppressed: ReadonlyMap<string, Suppression>,
  k: number,
): Map<string, DatasetDisclosure> {
  const byDataset = new Map<string, DatasetDisclosure>();
  for (const c of cells) {
    const d =
      byDataset.get(c.dataset) ??
      byDataset
        .set(c.dataset, { k, primarySuppressed: 0, secondarySuppressed: 0, smallestPublishedCount: null })
        .get(c.dataset)!;
    const s = suppressed.get(c.id);
    if (s === 'primary') d.primarySuppressed++;
    else if (s === 'secondary') d.secondarySuppressed++;
    else
      d.smallestPublishedCount =
        d.smallestPublishedCount === null ? c.count : Math.min(d.smallestPublishedCount, c.count);
  }
  return byDataset;
}

/**
 * The suppressed cells whose value follows from the relations once every published value is known:
 * cell x is determined iff the unit vector e_x lies in the row space of the relations restricted to
 * the suppressed cells. Gauss-Jordan with exact integer (fraction-free) rows; rows are sparse and
 * relations of different months share no cells, so the work stays per block.
 */
export function determinedCells(relations: readonly Relation[], suppressed: ReadonlySet<string>): string[] {
  type Row = Map<string, bigint>;
  const pivots: { col: string; row: Row }[] = [];

  const gcdOf = (row: Row): bigint => {
    let g = 0n;
    for (const v of row.values()) {
      let a = v < 0n ? -v : v;
      let b = g;
      while (b) [a, b] = [b, a % b];
      g = a;
    }
    return g;
  };
  const normalise = (row: Row): Row => {
    const g = gcdOf(row);
    if (g > 1n) for (const [k, v] of row) row.set(k, v / g);
    return row;
  };
  /** row := row·p[col] − p·row[col], which clears `col` from row. */
  const eliminate = (row: Row, pivot: Row, col: string): Row => {
    const a = row.get(col);
    if (a === undefined) return row;
    const p = pivot.get(col)!;
    const out: Row = new Map();
    for (const [k, v] of row) out.set(k, v * p);
    for (const [k, v] of pivot) {
      const n = (out.get(k) ?? 0n) - v * a;
      if (n === 0n) out.delete(k);
      else out.set(k, n);
    }
    return normalise(out);
  };

  for (const r of relations) {
    let row: Row = new Map();
    for (const t of r.terms) {
      if (!suppressed.has(t.cell)) continue; // published: moves to the known side
      const n = (row.get(t.cell) ?? 0n) + BigInt(t.coef);
      if (n === 0n) row.delete(t.cell);
      else row.set(t.cell, n);
    }
    for (const p of pivots) row = eliminate(row, p.row, p.col);
    if (row.size === 0) continue;
    const col = row.keys().next().value as string;
    for (const p of pivots) p.row = eliminate(p.row, row, col);
    pivots.push({ col, row });
  }
  return pivots.filter((p) => p.row.size === 1).map((p) => p.col);
}
