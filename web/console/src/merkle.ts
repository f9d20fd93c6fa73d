/**
 * An audit event's inclusion proof folded in the browser, as an auditor would offline (the same rule
 * as functions/audit/domain/merkle.ts: interior nodes hash `node:` + left + right, SHA-256 hex).
 */
export interface ProofStep {
  side: 'left' | 'right';
  hash: string;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The root the path leads to from `leaf`: equal to the signed root when the event is included. */
export async function foldPath(leaf: string, path: readonly ProofStep[]): Promise<string> {
  let current = leaf;
  for (const step of path)
    current = await sha256Hex(step.side === 'left' ? `node:${step.hash}${current}` : `node:${current}${step.hash}`);
  return current;
}
