import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, inclusionProof, merkleRoot, verifyInclusion } from '../../../functions/audit/domain/merkle';

const leaf = (n: number) => createHash('sha256').update(`event-${n}`).digest('hex');
const leaves = (n: number) => Array.from({ length: n }, (_, i) => leaf(i));

describe('the audit day’s Merkle tree', () => {
  it('proves every leaf of trees of 1 to 40 leaves against the root', () => {
    for (let n = 1; n <= 40; n++) {
      const all = leaves(n);
      const root = merkleRoot(all);
      for (const l of all) expect(verifyInclusion(l, inclusionProof(all, l)!, root), `${n} leaves`).toBe(true);
    }
  });

  it('does not depend on the order the leaves are read in', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(leaves(25), { minLength: 25 }), (shuffled) => {
        expect(merkleRoot(shuffled)).toBe(merkleRoot(leaves(25)));
      }),
    );
  });

  it('changes its root when a leaf is altered, removed or added', () => {
    const all = leaves(9);
    const root = merkleRoot(all);
    expect(merkleRoot([...all.slice(1), leaf(100)])).not.toBe(root);
    expect(merkleRoot(all.slice(1))).not.toBe(root);
    expect(merkleRoot([...all, leaf(100)])).not.toBe(root);
    // An odd last leaf is carried up, not paired with itself: duplicating it changes the root.
    expect(merkleRoot([...all, all.sort()[8]!])).not.toBe(root);
  });

  it('refuses a proof for another leaf, a tampered path, or another root', () => {
    const all = leaves(7);
    const root = merkleRoot(all);
    const path = inclusionProof(all, all[3]!)!;
    expect(verifyInclusion(all[4]!, path, root)).toBe(false);
    expect(verifyInclusion(all[3]!, [{ ...path[0]!, hash: leaf(99) }, ...path.slice(1)], root)).toBe(false);
    expect(verifyInclusion(all[3]!, path, merkleRoot(leaves(8)))).toBe(false);
    expect(inclusionProof(all, leaf(99))).toBeUndefined();
  });

  it('has a fixed root for an empty day', () => {
    expect(merkleRoot([])).toBe(EMPTY_ROOT);
  });
});
