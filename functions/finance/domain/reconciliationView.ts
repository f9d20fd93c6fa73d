import type { StoredDayProof } from '../../ledger';
import type { Difference } from './matching';
import type { ReconciliationRun, ResolutionRecord } from './records';

/** A reconciliation run as the API shows it: differences by kind, each with its resolution if decided. */
export type DifferenceView = Difference & { resolution?: ResolutionRecord };

export interface ReconciliationView {
  id: string;
  businessDate: string;
  version: number;
  status: 'open' | 'closed';
  latest: boolean;
  statementIds: string[];
  createdAt: string;
  createdBy: string;
  summary: {
    matchedCount: number;
    matchedAmount: number;
    paymentsMissingInBank: DifferenceView[];
    bankLinesMissingInLedger: DifferenceView[];
    amountMismatches: DifferenceView[];
    duplicates: DifferenceView[];
  };
  unresolved: number;
  proof?: StoredDayProof;
}

export function reconciliationView(
  run: ReconciliationRun,
  resolutions: ResolutionRecord[],
  latest: boolean,
): ReconciliationView {
  const byRef = new Map(resolutions.map((r) => [r.itemRef, r]));
  const withResolution = (kind: Difference['kind']) =>
    run.differences
      .filter((d) => d.kind === kind)
      .map((d) => (byRef.has(d.itemRef) ? { ...d, resolution: byRef.get(d.itemRef)! } : d));
  return {
    id: run.id,
    businessDate: run.businessDate,
    version: run.version,
    status: run.status,
    latest,
    statementIds: run.statementIds,
    createdAt: run.createdAt,
    createdBy: run.createdBy,
    summary: {
      matchedCount: run.matchedCount,
      matchedAmount: run.matchedAmount,
      paymentsMissingInBank: withResolution('payment-missing-in-bank'),
      bankLinesMissingInLedger: withResolution('bank-line-missing-in-ledger'),
      amountMismatches: withResolution('amount-mismatch'),
      duplicates: withResolution('duplicate'),
    },
    unresolved: run.differences.filter((d) => !byRef.has(d.itemRef)).length,
    ...(run.proof ? { proof: run.proof } : {}),
  };
}
