import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../infra/tables';
import { ddb } from '../shared/ddb';
import { DomainError } from '../shared/errors';
import { hashTransaction, merkleRoot } from '../shared/ledger';
import { ledgerKeys, transactionsOfDay } from '../shared/ledgerStore';

/** A closed day's proof: the Merkle root over its transaction hashes, signed at close. */
export interface StoredDayProof {
  date: string;
  root: string;
  count: number;
  signature: string;
}

export async function getDayProof(date: string): Promise<StoredDayProof> {
  const r = await ddb().send(new GetCommand({ TableName: tableName('Ledger'), Key: ledgerKeys.dayProof(date), ConsistentRead: true }));
  if (!r.Item) throw new DomainError('not-found', `Business day ${date} has no proof (it is not closed)`);
  return { date, root: r.Item.root as string, count: r.Item.count as number, signature: r.Item.signature as string };
}

/**
 * Recomputes the day from what is stored now: every transaction's hash from its canonical form
 * (catches an edited transaction), then the root (catches a missing or added one), against the proof.
 */
export async function verifyDay(date: string): Promise<{ ok: boolean; root: string; count: number; problems: string[] }> {
  const proof = await getDayProof(date);
  const txs = await transactionsOfDay(date);
  const problems: string[] = [];
  for (const tx of txs) if (hashTransaction(tx) !== tx.hash) problems.push(`transaction ${tx.id} does not match its hash`);
  const root = merkleRoot(txs.map((t) => hashTransaction(t)));
  if (txs.length !== proof.count) problems.push(`the day has ${txs.length} transactions; the proof counted ${proof.count}`);
  if (root !== proof.root) problems.push('the recomputed Merkle root differs from the proof');
  return { ok: problems.length === 0, root, count: txs.length, problems };
}
