import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  determinedCells,
  DisclosureUnresolved,
  minCellSize,
  suppressSmallCells,
  type DisclosureCell,
  type Relation,
} from '../../../functions/opendata/domain/disclosure';
import { rank } from './attacker';

const cell = (id: string, count: number, dataset = 'd'): DisclosureCell => ({ id, dataset, count });
const sum = (name: string, ...ids: string[]): Relation => ({ name, terms: ids.map((c) => ({ cell: c, coef: 1 })) });
const eq = (name: string, lhs: string, ...rhs: string[]): Relation => ({
  name,
  terms: [{ cell: lhs, coef: 1 }, ...rhs.map((c) => ({ cell: c, coef: -1 }))],
});

describe('k', () => {
  it('defaults to 5, follows OPEN_DATA_MIN_CELL, and is never below 3', () => {
    expect(minCellSize(undefined)).toBe(5);
    expect(minCellSize('')).toBe(5);
    expect(minCellSize('8')).toBe(8);
    expect(minCellSize('2')).toBe(3);
    expect(minCellSize('0')).toBe(3);
    expect(minCellSize('-10')).toBe(3);
    expect(minCellSize('many')).toBe(5);
  });
});

describe('suppressSmallCells', () => {
  it('suppresses every cell counting fewer than k payments (primary)', () => {
    const r = suppressSmallCells([cell('a', 4), cell('b', 5), cell('c', 0)], [], 5);
    expect(Object.fromEntries(r.suppressed)).toEqual({ a: 'primary', c: 'primary' });
    expect(r.byDataset.get('d')).toEqual({
      k: 5,
      primarySuppressed: 2,
      secondarySuppressed: 0,
      smallestPublishedCount: 5,
    });
  });

  it('hides a complement, the smallest published cell, in a relation that would give a suppressed cell away', () => {
    // total = a + b + c, with the total published: a alone would be total − b − c.
    const r = suppressSmallCells(
      [cell('total', 40), cell('a', 2), cell('b', 9), cell('c', 29)],
      [eq('t', 'total', 'a', 'b', 'c')],
      5,
    );
    expect(Object.fromEntries(r.suppressed)).toEqual({ a: 'primary', b: 'secondary' });
  });

  it('protects a cell that only a combination of relations determines', () => {
    // x + y = T1 and x + y + z = T2 give z = T2 − T1 although every relation has two unknowns.
    const cells = [cell('x', 1), cell('y', 2), cell('z', 3), cell('w', 50), cell('T1', 60), cell('T2', 80)];
    const relations = [eq('r1', 'T1', 'x', 'y', 'w'), eq('r2', 'T2', 'x', 'y', 'z', 'w')];
    // With only the primary cells hidden, r1 leaves x+y known, r2 then gives z.
    expect(determinedCells(relations, new Set(['x', 'y', 'z']))).toEqual(['z']);
    const r = suppressSmallCells(cells, relations, 5);
    expect(determinedCells(relations, new Set(r.suppressed.keys()))).toEqual([]);
    expect(r.suppressed.size).toBeGreaterThan(3);
  });

  it('fails closed when a relation cannot be protected', () => {
    expect(() => suppressSmallCells([cell('a', 1)], [sum('alone', 'a')], 5)).toThrow(DisclosureUnresolved);
  });

  it('leaves no suppressed cell determined by any random system of relations (exact solver vs float rank)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 2, maxLength: 14 }),
        fc.array(fc.array(fc.tuple(fc.nat(13), fc.constantFrom(1, -1)), { minLength: 2, maxLength: 6 }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.integer({ min: 3, max: 8 }),
        (counts, rels, k) => {
          const cells = counts.map((c, i) => cell(`c${i}`, c));
          const relations: Relation[] = rels.map((terms, j) => {
            const seen = new Map<string, number>();
            for (const [i, coef] of terms) seen.set(`c${i % counts.length}`, coef);
            return { name: `r${j}`, terms: [...seen].map(([c, coef]) => ({ cell: c, coef })) };
          });
          let result: ReturnType<typeof suppressSmallCells>;
          try {
            result = suppressSmallCells(cells, relations, k);
          } catch (e) {
            if (e instanceof DisclosureUnresolved) return; // refusing to publish is safe
            throw e;
          }
          for (const c of cells) if (c.count < k) expect(result.suppressed.has(c.id)).toBe(true);
          // Independent check: e_x in the row space of the suppressed columns ⇔ rank does not grow.
          const hidden = [...result.suppressed.keys()];
          const matrix = relations.map((r) =>
            hidden.map((h) => r.terms.filter((t) => t.cell === h).reduce((s, t) => s + t.coef, 0)),
          );
          const base = rank(matrix);
          for (let i = 0; i < hidden.length; i++) {
            const unit = hidden.map((_, j) => (j === i ? 1 : 0));
            expect(rank([...matrix, unit]), `${hidden[i]} is recoverable`).toBeGreaterThan(base);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
