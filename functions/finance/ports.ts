import type { PaymentRecord, RefundRecord } from '../../schemas/records';
import type { LedgerTransaction, StoredDayProof } from '../ledger';
import type { Clock } from '../shared/domain/clock';
import type { Claim, IdempotencyStore, StoredResponse } from '../shared/domain/idempotency';
import type {
  BudgetAllocationRecord,
  DaySettlement,
  ExpenditureRecord,
  ReconciliationRun,
  ResolutionRecord,
  StatementHeader,
} from './domain/records';
import type { StatementLine } from './domain/statementCsv';

/**
 * The finance domain's ports, one per kind of storage it touches. DynamoDB adapters live in
 * ./adapters (the Finance table's rooms, the journal over the ledger's table); the payments and
 * catalog contexts publish the readers of theirs. Unit tests use in-memory ones
 * (test/unit/finance/memoryBooks.ts), held to the same contracts (test/contracts/). Every write that
 * moves money takes the ledger transaction with it, so the adapter can commit both in one
 * TransactWriteItems or neither.
 */

/** Where statements live (Finance table in production, memory in unit tests). */
export interface StatementStore {
  putStatementChunk(statementId: string, chunkNo: number, lines: StatementLine[]): Promise<void>;
  /** Makes the statement exist; false if a statement with this id already exists (a redelivered import). */
  putStatementHeader(header: StatementHeader): Promise<boolean>;
  discardStatementChunks(statementId: string, chunks: number): Promise<void>;
  getStatement(statementId: string): Promise<StatementHeader | undefined>;
  /** The statement's lines in row order, a chunk (array) at a time: one chunk in memory, no await per line. */
  statementChunks(header: StatementHeader): AsyncIterable<StatementLine[]>;
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
   * `difference-already-resolved` if the item has one, `reconciliation-closed` if the run closed,
   * `day-closed` if the day closed meanwhile.
   */
  putResolution(runId: string, resolution: ResolutionRecord, adjustment?: LedgerTransaction): Promise<void>;
  markRunClosed(runId: string, closed: { closedAt: string; closedBy: string; proof: StoredDayProof }): Promise<void>;
  putDaySettlement(s: DaySettlement): Promise<void>;
  daySettlement(date: string): Promise<DaySettlement | undefined>;
}

export interface BudgetStore {
  /** The allocation and its ledger transaction, atomically; `day-closed` if its day is closed. */
  putAllocation(a: BudgetAllocationRecord, tx: LedgerTransaction): Promise<void>;
  getAllocation(allocationId: string): Promise<BudgetAllocationRecord | undefined>;
  /**
   * Atomically: decrement the allocation's remaining amount on condition it stays ≥ 0, store the
   * expenditure, post its transaction. Throws `allocation-exceeded` when the condition fails (or
   * there is no such allocation). Returns what remains.
   */
  recordExpenditure(e: ExpenditureRecord, tx: LedgerTransaction): Promise<number>;
}

/** The catalog's departments, as budget allocation checks them (the catalog's CatalogTable is one). */
export interface DepartmentDirectory {
  getDepartment(id: string): Promise<{ id: string } | undefined>;
}

/** The journal as finance uses it: post, close, prove. */
export interface Journal {
  /** Posts into the transaction's business day; 'exists' if the id was posted before; `day-closed` if closed. */
  post(tx: LedgerTransaction): Promise<'posted' | 'exists'>;
  /** A transaction posted into `businessDate`, by id (the day is part of its key). */
  getTransaction(businessDate: string, id: string): Promise<LedgerTransaction | undefined>;
  /** Which reconciliation closed the day, if it is closed. */
  dayClosedBy(date: string): Promise<string | undefined>;
  /**
   * Writes every day-open guard of the date, naming the reconciliation that closes it: from then on
   * no posting into it can commit. Idempotent for the same reconciliation; `day-closed` for another.
   */
  closeDay(date: string, reconciliationId: string): Promise<void>;
  /**
   * Every transaction of the day, ordered by createdAt then id; read after closeDay, the day's final
   * set (a consistent read: a posting committed before the guards is never missed).
   */
  transactionsOfDay(date: string): Promise<LedgerTransaction[]>;
  /** Business days with postings in [from, to], ascending. */
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

/** Signs a day proof's payload (compact JWS); wiring hands over the day-proof signer's `sign`. */
export type Sign = (payload: object) => Promise<string>;

/**
 * Idempotency-Keys of accept (the shared Idempotency table). Accept's effects are idempotent by
 * themselves, so its answer is stored on its own rather than inside the effects' transaction.
 */
export interface AcceptIdempotency extends IdempotencyStore {
  /** Stores the answer of a claim that is still ours; a claim another request took over is left to it. */
  complete(claim: Claim, response: StoredResponse, nowMs: number): Promise<void>;
}

export type { Clock };
