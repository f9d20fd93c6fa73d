/**
 * The ledger's published interface: the invariants every posting passes through, and day proofs.
 * Other contexts build transactions with these; their adapters post them through
 * ./adapters/index.ts inside their own atomic commits.
 */
export {
  accounts,
  assertInvariants,
  buildTransaction,
  hashTransaction,
  lineOf,
  mergePostings,
  sha256Hex,
  trialBalance,
  type AccountLine,
  type LedgerTransaction,
  type LedgerTransactionInput,
  type Posting,
  type TransactionKind,
  type TrialBalanceRow,
} from './domain/ledger';
export { isSameDayPosting, mayCloseDay, SAME_DAY_POSTING_GRACE_MS } from './domain/closing';
export { checkDay, rootOfDay, signDayProof, type DayVerdict, type StoredDayProof } from './domain/dayProof';
export type { LedgerReader } from './ports';
