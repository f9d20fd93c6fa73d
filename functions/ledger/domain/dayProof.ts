import type { JSONWebKeySet } from 'jose';
import { JWS_TYPE, verifySigned } from '../../shared/domain/signing';
import { hashTransaction, merkleRoot, type LedgerTransaction } from './ledger';

/**
 * A closed day's proof: the Merkle root over its transaction hashes, signed at close with the
 * day-proof key. The signature is a compact JWS (`typ: day-proof+jwt`) over exactly `{date, root,
 * count}`, so anyone holding the JWKS can check a proof offline, and `checkDay` checks it together
 * with the recomputed root.
 */
export interface StoredDayProof {
  date: string;
  root: string;
  count: number;
  signature: string;
}

export interface DayVerdict {
  ok: boolean;
  root: string;
  count: number;
  problems: string[];
}

/**
 * The root over what is stored now. Each hash is recomputed from the transaction's canonical form,
 * not taken from its `hash` attribute, so an edited transaction changes the root.
 */
export function rootOfDay(txs: readonly LedgerTransaction[]): { root: string; count: number } {
  return { root: merkleRoot(txs.map((t) => hashTransaction(t))), count: txs.length };
}

export async function signDayProof(
  date: string,
  txs: readonly LedgerTransaction[],
  sign: (payload: object) => Promise<string>,
): Promise<StoredDayProof> {
  const { root, count } = rootOfDay(txs);
  return { date, root, count, signature: await sign({ date, root, count }) };
}

/**
 * Checks a proof against the transactions given: every hash from its canonical form (catches an
 * edited transaction), the count and root (a missing or added one), and the signature against the
 * day-proof keys (an edited proof, or a JWS of another kind such as a receipt).
 */
export function checkDay(proof: StoredDayProof, txs: readonly LedgerTransaction[], jwks: JSONWebKeySet): DayVerdict {
  const problems: string[] = [];
  for (const tx of txs)
    if (hashTransaction(tx) !== tx.hash) problems.push(`transaction ${tx.id} does not match its hash`);
  const { root, count } = rootOfDay(txs);
  if (count !== proof.count) problems.push(`the day has ${count} transactions; the proof counted ${proof.count}`);
  if (root !== proof.root) problems.push('the recomputed Merkle root differs from the proof');
  const signed = verifySigned<{ date?: string; root?: string; count?: number }>(
    proof.signature,
    jwks,
    JWS_TYPE.dayProof,
  );
  if (!signed) problems.push('the proof’s signature does not verify against the published keys');
  else if (signed.date !== proof.date || signed.root !== proof.root || signed.count !== proof.count)
    problems.push('the stored proof differs from what was signed');
  return { ok: problems.length === 0, root, count, problems };
}
