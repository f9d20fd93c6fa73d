import { createHash } from 'node:crypto';

/**
 * The audit day's Merkle tree over event hashes (hex). Leaves are sorted, so the tree depends only on
 * which events the day holds; interior nodes hash `node:` + left + right, so no interior node can pass
 * for a leaf; an odd node is carried up unchanged (never paired with itself, which would let two
 * different leaf lists share a root). The count is signed with the root.
 */
const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');
const node = (left: string, right: string): string => sha256Hex(`node:${left}${right}`);

export const EMPTY_ROOT = sha256Hex('');

export interface ProofStep {
  /** Where the sibling sits: hash `left + current` or `current + right`. */
  side: 'left' | 'right';
  hash: string;
}

function levels(leaves: readonly string[]): string[][] {
  const out: string[][] = [[...leaves].sort()];
  while (out.at(-1)!.length > 1) {
    const level = out.at(-1)!;
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2)
      next.push(i + 1 < level.length ? node(level[i]!, level[i + 1]!) : level[i]!);
    out.push(next);
  }
  return out;
}

export function merkleRoot(leaves: readonly string[]): string {
  return leaves.length === 0 ? EMPTY_ROOT : levels(leaves).at(-1)![0]!;
}

/** The path from `leaf` to the root, or undefined when the leaf is not in the tree. */
export function inclusionProof(leaves: readonly string[], leaf: string): ProofStep[] | undefined {
  const all = levels(leaves);
  let index = all[0]!.indexOf(leaf);
  if (index < 0) return undefined;
  const path: ProofStep[] = [];
  for (const level of all.slice(0, -1)) {
    const sibling = index % 2 === 0 ? index + 1 : index - 1;
    if (sibling < level.length) path.push({ side: index % 2 === 0 ? 'right' : 'left', hash: level[sibling]! });
    index = Math.floor(index / 2);
  }
  return path;
}

/** What an auditor does offline: fold the path over the leaf and compare with the signed root. */
export function verifyInclusion(leaf: string, path: readonly ProofStep[], root: string): boolean {
  let current = leaf;
  for (const step of path) current = step.side === 'left' ? node(step.hash, current) : node(current, step.hash);
  return current === root;
}
