import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { LedgerTransaction } from '../../ledger';
import { DAY_GUARD_OFFSET } from '../../ledger/adapters';
import { CONDITION_FAILED, cancellationCodes, type DocClient, type TransactItem } from '../../shared/adapters/dynamo';
import { DomainError } from '../../shared/domain/errors';

/**
 * The Finance table, which the finance context owns. Its rooms each have an adapter:
 * statementsTable.ts, reconciliationsTable.ts, budgetTable.ts; the layout and what they share is here.
 *
 * No hot keys: every statement, run and allocation has partitions of its own.
 * - statement header `STMT#<id>` / `META`: written last, it is what makes a statement exist;
 * - statement lines  `STMT#<id>#C<chunk>` / `CHUNK`: 1,000 lines per item, one partition per chunk;
 * - reconciliation run `RECONDAY#<date>` / `RUN#V<version>`: the conditional put allocates the version;
 * - its differences  `RECONDIFF#<nonce>` / `D#<chunk>`: written before the run item that points at them;
 * - resolutions      `RECON#<runId>` / `RES#<itemRef>`: one per difference (conditional put);
 * - day settlement   `SETTLE#<date>` / `SETTLE`: per-department split written at close;
 * - allocation       `ALLOC#<id>` / `ALLOC` (remaining decremented conditionally by expenditures);
 * - expenditure      `EXP#<id>` / `EXP`.
 *
 * Writes that move money put the ledger transaction in the same TransactWriteItems, through the
 * ledger's published storage interface (its items come last, the day guard check among them).
 */
const pad = (n: number, w = 6) => String(n).padStart(w, '0');

export const financeKeys = {
  statement: (id: string) => ({ pk: `STMT#${id}`, sk: 'META' }),
  statementChunk: (id: string, n: number) => ({ pk: `STMT#${id}#C${pad(n)}`, sk: 'CHUNK' }),
  runDay: (date: string) => `RECONDAY#${date}`,
  run: (date: string, version: number) => ({ pk: `RECONDAY#${date}`, sk: `RUN#V${pad(version, 4)}` }),
  diffChunk: (nonce: string, n: number) => ({ pk: `RECONDIFF#${nonce}`, sk: `D#${pad(n)}` }),
  resolutions: (runId: string) => `RECON#${runId}`,
  resolution: (runId: string, itemRef: string) => ({ pk: `RECON#${runId}`, sk: `RES#${itemRef}` }),
  settlement: (date: string) => ({ pk: `SETTLE#${date}`, sk: 'SETTLE' }),
  allocation: (id: string) => ({ pk: `ALLOC#${id}`, sk: 'ALLOC' }),
  expenditure: (id: string) => ({ pk: `EXP#${id}`, sk: 'EXP' }),
};

/**
 * Runs a transaction whose last two items post `tx` (LedgerTable.postTransactionItems); maps the
 * day guard and contention. `mapOther` sees the cancellation codes first, to name its own conditions.
 */
export async function transactWithPosting(
  client: DocClient,
  items: TransactItem[],
  tx: LedgerTransaction,
  mapOther?: (codes: string[]) => void,
): Promise<void> {
  try {
    await client.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (e) {
    const codes = cancellationCodes(e);
    if (!codes) throw e;
    mapOther?.(codes);
    if (codes[items.length - 2 + DAY_GUARD_OFFSET] === CONDITION_FAILED)
      throw new DomainError('day-closed', `Business day ${tx.businessDate} is closed`);
    if (codes.includes('TransactionConflict'))
      throw new DomainError('concurrent-update', 'A concurrent request touched the same records; retry');
    throw e;
  }
}
