import { accounts, buildTransaction, sha256Hex, type Posting } from '../../ledger';
import { DomainError } from '../../shared/domain/errors';
import type { Principal } from '../../shared/domain/principal';
import type { Clock, ReconciliationStore } from '../ports';
import type { Difference } from './matching';
import type { ReconciliationRun, ResolutionAction, ResolutionRecord } from './records';

/**
 * Resolution: finance's decision on one difference of a run. Suspense and write-off post a
 * balanced adjustment together with the decision; matched-manually moves nothing.
 */

/**
 * One adjustment per difference per run (a retry cannot post twice). Across runs, an identical
 * difference inherits its resolution and adjustment; any other earlier adjustment is reversed.
 */
export const adjustmentTxId = (runId: string, d: Difference) =>
  `adj-${runId}-${sha256Hex(`${d.itemRef}|${d.expected ?? ''}|${d.actual ?? ''}`).slice(0, 20)}`;

/**
 * What a resolution moves (none for matched-manually). The difference is what the bank credited
 * minus what the ledger holds in clearing; suspense parks it in `sus:reconciliation`, write-off in
 * `sus:write-off`. Money the bank did credit lands in the fiscal special account; money it did not
 * leaves clearing. Only clearing, fiscal and suspense accounts: never the revenue or expenditure line.
 */
export function resolutionPostings(d: Difference, action: ResolutionAction): Posting[] {
  if (action === 'matched-manually') return [];
  const parked = action === 'suspense' ? accounts.suspense() : accounts.writeOff();
  const clearing = accounts.clearing(d.channel);
  const fiscal = accounts.fiscalSpecialAccount();
  const debit = (account: string, n: number): Posting => ({ account, debit: n, credit: 0 });
  const credit = (account: string, n: number): Posting => ({ account, debit: 0, credit: n });
  switch (d.kind) {
    case 'payment-missing-in-bank':
      return [debit(parked, d.expected!), credit(clearing, d.expected!)];
    case 'bank-line-missing-in-ledger':
    case 'duplicate':
      return [debit(fiscal, d.actual!), credit(parked, d.actual!)];
    case 'amount-mismatch': {
      const diff = d.actual! - d.expected!;
      return [
        debit(fiscal, d.actual!),
        credit(clearing, d.expected!),
        diff > 0 ? credit(parked, diff) : debit(parked, -diff),
      ];
    }
  }
}

export interface ResolutionInput {
  itemRef: string;
  action: ResolutionAction;
  note: string;
}

/** Records the decision on one difference of an open, latest run, with its adjustment. */
export async function resolveDifference(
  deps: { runs: ReconciliationStore; clock: Clock },
  run: ReconciliationRun,
  input: ResolutionInput,
  by: Principal,
): Promise<ResolutionRecord> {
  const { runs, clock } = deps;
  const id = run.id;
  const d = run.differences.find((x) => x.itemRef === input.itemRef);
  if (!d)
    throw new DomainError('difference-unknown', 'The reconciliation has no difference with this itemRef', [
      { path: 'itemRef', message: 'no such difference in this run' },
    ]);
  const existing = await runs.getResolution(id, input.itemRef);
  if (existing) {
    // A retried request (same decision, same person) gets the first answer back.
    if (existing.action === input.action && existing.note === input.note && existing.decidedBy === by.sub)
      return existing;
    throw new DomainError(
      'difference-already-resolved',
      `The difference was resolved as ${existing.action} by ${existing.decidedBy}`,
      [{ path: 'itemRef', message: 'already resolved' }],
    );
  }
  const postings = resolutionPostings(d, input.action);
  const decidedAt = clock.now().toISOString();
  const adjustment = postings.length
    ? buildTransaction({
        id: adjustmentTxId(id, d),
        kind: 'adjustment',
        ref: `${id}/${d.itemRef}`,
        businessDate: run.businessDate,
        postings,
        createdAt: decidedAt,
      })
    : undefined;
  const resolution: ResolutionRecord = {
    itemRef: d.itemRef,
    action: input.action,
    note: input.note,
    decidedBy: by.sub,
    decidedAt,
    adjustmentTxId: adjustment?.id ?? null,
  };
  await runs.putResolution(id, resolution, adjustment);
  return resolution;
}
