import type { PaymentRecord, RefundRecord } from '../../schemas/records';
import type { LedgerTransaction } from '../ledger/domain/ledger';
import type { StoredDayProof } from '../ledger/domain/dayProof';
import type { Difference } from './domain/matching';
import type { StatementStore } from './domain/statement';

/**
 * The finance domain's ports. DynamoDB adapters live in store.ts; unit tests use in-memory ones
 * (test/unit/finance/memoryBooks.ts). Every write that moves money takes the ledger transaction with
 * it, so the adapter can commit both in one TransactWriteItems or neither.
 */
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

export interface ReconciliationStore {
  /** Creates run `version` of its day with the resolutions it inherits; false if that version exists. */
  createRun(run: ReconciliationRun, inherited: ResolutionRecord[]): Promise<boolean>;
  getRun(id: string): Promise<ReconciliationRun | undefined>;
  latestRun(businessDate: string): Promise<ReconciliationRun | undefined>;
  /** The id of the day's latest run, without loading its differences. */
  latestRunId(businessDate: string): Promise<string | undefined>;
  resolutions(runId: string): Promise<ResolutionRecord[]>;
  getResolution(runId: string, itemRef: string): Promise<ResolutionRecord | undefined>;
  /**
   * Records one resolution and posts its adjustment in the same transaction. Throws
   * `difference-already-resolved` if the item has one, `day-closed` if the day closed meanwhile.
   */
  putResolution(runId: string, resolution: ResolutionRecord, adjustment?: LedgerTransaction): Promise<void>;
  markRunClosed(runId: string, closed: { closedAt: string; closedBy: string; proof: StoredDayProof }): Promise<void>;
  putDaySettlement(s: DaySettlement): Promise<void>;
  daySettlement(date: string): Promise<DaySettlement | undefined>;
}

export interface BudgetStore {
  getDepartmentExists(departmentId: string): Promise<boolean>;
  /** The allocation and its ledger transaction, atomically. */
  putAllocation(a: BudgetAllocationRecord, tx: LedgerTransaction): Promise<void>;
  getAllocation(allocationId: string): Promise<BudgetAllocationRecord | undefined>;
  /**
   * Atomically: decrement the allocation's remaining amount on condition it stays ≥ 0, store the
   * expenditure, post its transaction. Throws `allocation-exceeded` when the condition fails.
   * Returns what remains.
   */
  recordExpenditure(e: ExpenditureRecord, tx: LedgerTransaction): Promise<number>;
}

/** The journal as finance uses it: post, close, prove. */
export interface Journal {
  /** Posts into the transaction's business day; 'exists' if the id was posted before; `day-closed` if closed. */
  post(tx: LedgerTransaction): Promise<'posted' | 'exists'>;
  getTransaction(id: string): Promise<LedgerTransaction | undefined>;
  /** Which reconciliation closed the day, if it is closed. */
  dayClosedBy(date: string): Promise<string | undefined>;
  /**
   * Writes every day-open guard of the date, naming the reconciliation that closes it: from then on
   * no posting into it can commit. Idempotent for the same reconciliation; `day-closed` for another.
   */
  closeDay(date: string, reconciliationId: string): Promise<void>;
  /**
   * Every transaction of the day, read after closeDay. The adapter waits out index propagation
   * (a GSI is eventually consistent) so a posting committed before the guards is not missed.
   */
  transactionsOfClosedDay(date: string): Promise<LedgerTransaction[]>;
  transactionsOfDay(date: string): Promise<LedgerTransaction[]>;
  /** Business days with postings in [from, to]. */
  businessDays(from: string, to: string): Promise<string[]>;
  /** Stores the day's proof once; returns the stored one (the first, if two closes race). */
  putProof(proof: StoredDayProof): Promise<StoredDayProof>;
  getProof(date: string): Promise<StoredDayProof | undefined>;
}

/** The payments context's stored records, read-only (Payments table, by business date). */
export interface PaymentsReader {
  paymentsOfDay(businessDate: string): AsyncIterable<PaymentRecord>;
  /** Refunds posted on the business date (each credited its payment's channel clearing in the same transaction). */
  refundsOfDay(businessDate: string): AsyncIterable<RefundRecord>;
}

export type FinanceStore = StatementStore & ReconciliationStore & BudgetStore;

export interface Clock {
  now(): Date;
  today(): string;
}
