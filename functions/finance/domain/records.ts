import type { StoredDayProof } from '../../ledger';
import type { Difference } from './matching';

/**
 * What the finance context stores: statements, reconciliation runs and their resolutions, the
 * per-department split of a closed day, budget allocations and expenditures. The stores in
 * ../ports.ts keep these; the use cases in this folder make them.
 */
export interface StatementHeader {
  statementId: string;
  date: string;
  lines: number;
  total: number;
  chunks: number;
  source: 'api' | 's3' | 'cli';
  importedBy: string;
  importedAt: string;
}

export type ResolutionAction = 'matched-manually' | 'suspense' | 'write-off';

export interface ResolutionRecord {
  itemRef: string;
  action: ResolutionAction;
  note: string;
  decidedBy: string;
  decidedAt: string;
  adjustmentTxId: string | null;
  inheritedFrom?: string;
}

export interface ReconciliationRun {
  id: string;
  businessDate: string;
  version: number;
  status: 'open' | 'closed';
  statementIds: string[];
  createdAt: string;
  createdBy: string;
  matchedCount: number;
  matchedAmount: number;
  matchedByChannel: Partial<Record<string, number>>;
  differences: Difference[];
  closedAt?: string;
  closedBy?: string;
  proof?: StoredDayProof;
}

/** Per department: what a closed day settled to the fiscal account, and what it parked in suspense. */
export interface DaySettlement {
  date: string;
  reconciliationId: string;
  settlementTxId: string | null;
  byDepartment: Record<string, { settled: number; parked: number }>;
}

export interface BudgetAllocationRecord {
  allocationId: string;
  departmentId: string;
  fiscalYear: number;
  amount: number;
  spent: number;
  remaining: number;
  purpose: string;
  createdAt: string;
  createdBy: string;
}

export interface ExpenditureRecord {
  expenditureId: string;
  allocationId: string;
  departmentId: string;
  amount: number;
  payee: string;
  purpose: string;
  businessDate: string;
  createdAt: string;
  createdBy: string;
}

/** RC-20260301-V002: run `version` of a business day; ids sort by day, then version. */
export const runId = (date: string, version: number) =>
  `RC-${date.replaceAll('-', '')}-V${String(version).padStart(3, '0')}`;

/** RC-20260301-V002 → the run's date and version; undefined for anything runId did not make. */
export function parseRunId(id: string): { date: string; version: number } | undefined {
  const m = /^RC-(\d{4})(\d{2})(\d{2})-V(\d{3,})$/.exec(id);
  return m ? { date: `${m[1]}-${m[2]}-${m[3]}`, version: Number(m[4]) } : undefined;
}
