import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { tableName } from '../../infra/tables';
import { ddb } from '../shared/ddb';
import { DomainError } from '../shared/errors';
import { hashTransaction, merkleRoot, type LedgerTransaction } from '../shared/ledger';
import { ledgerKeys, transactionsOfDay } from '../shared/ledgerStore';
import { signer, verifySigned } from '../shared/signer';

/**
 * A closed day's proof: the Merkle root over its transaction hashes, signed at close. The signature
 * is a compact JWS over exactly `{date, root, count}`, so anyone holding the JWKS can check a proof
 * offline, and `verifyDay` checks it together with the recomputed root.
 */
export interface StoredDayProof {
  date: string;
  root: string;
  count: number;
  signature: string;
}

/**
 * The root over what is stored now. Each hash is recomputed from the transaction's canonical form,
 * not taken from its `hash` attribute, so an edited transaction changes the root.
 */
export function rootOfDay(txs: readonly LedgerTransaction[]): { root: string; count: number } {
  return { root: merkleRoot(txs.map((t) => hashTransaction(t))), count: txs.length };
}

export async function signDayProof(date: string, txs: readonly LedgerTransaction[], sign = (p: object) => signer().sign(p)): Promise<StoredDayProof> {
  const { root, count } = rootOfDay(txs);
  return { date, root, count, signature: await sign({ date, root, count }) };
}

/** Stores the proof once; a second close of the same day (a retried accept) gets the first proof back. */
export async function storeDayProof(proof: StoredDayProof): Promise<StoredDayProof> {
  try {
    await ddb().send(
      new PutCommand({
        TableName: tableName('Ledger'),
        Item: { ...ledgerKeys.dayProof(proof.date), ...proof },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return proof;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return getDayProof(proof.date);
    throw e;
  }
}

export async function findDayProof(date: string): Promise<StoredDayProof | undefined> {
  const r = await ddb().send(new GetCommand({ TableName: tableName('Ledger'), Key: ledgerKeys.dayProof(date), ConsistentRead: true }));
  if (!r.Item) return undefined;
  return { date, root: r.Item.root as string, count: r.Item.count as number, signature: r.Item.signature as string };
}

export async function getDayProof(date: string): Promise<StoredDayProof> {
  const proof = await findDayProof(date);
  if (!proof) throw new DomainError('not-found', `Business day ${date} has no proof (it is not closed)`);
  return proof;
}

/** Checks a proof against the transactions given: hashes, count, root and the signature. */
export async function checkDay(proof: StoredDayProof, txs: readonly LedgerTransaction[]): Promise<{ ok: boolean; root: string; count: number; problems: string[] }> {
  const problems: string[] = [];
  for (const tx of txs) if (hashTransaction(tx) !== tx.hash) problems.push(`transaction ${tx.id} does not match its hash`);
  const { root, count } = rootOfDay(txs);
  if (count !== proof.count) problems.push(`the day has ${count} transactions; the proof counted ${proof.count}`);
  if (root !== proof.root) problems.push('the recomputed Merkle root differs from the proof');
  const signed = await verifySigned<{ date?: string; root?: string; count?: number }>(proof.signature);
  if (!signed) problems.push('the proof’s signature does not verify against the published keys');
  else if (signed.date !== proof.date || signed.root !== proof.root || signed.count !== proof.count)
    problems.push('the stored proof differs from what was signed');
  return { ok: problems.length === 0, root, count, problems };
}

/**
 * Recomputes the day from what is stored now: every transaction's hash from its canonical form
 * (catches an edited transaction), then the root (catches a missing or added one), against the
 * signed proof (catches an edited proof).
 */
export async function verifyDay(date: string): Promise<{ ok: boolean; root: string; count: number; problems: string[] }> {
  const proof = await getDayProof(date);
  return checkDay(proof, await transactionsOfDay(date));
}
