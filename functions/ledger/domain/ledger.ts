import { createHash } from 'node:crypto';
import { DomainError } from '../../shared/domain/errors';

/**
 * The ledger's invariants, in one place (收支两条线). Every posting goes through `buildTransaction`,
 * which asserts them:
 *
 * 1. A transaction has at least two postings; each posting is either a debit or a credit of a
 *    positive integer number of fen (never both, never zero, never a float).
 * 2. Debits equal credits.
 * 3. The revenue line and the expenditure line never meet: a transaction touching an
 *    expenditure-line account touches only expenditure-line accounts, and only allocation and
 *    expenditure transactions may touch them. So collected money can never reach an account a
 *    department spends from (no 坐支), and spending comes only from budget allocations.
 * 4. Transactions are append-only: a correction is a new (reversing) transaction; each stores the
 *    SHA-256 of its canonical form, and a closed day's Merkle root over those hashes detects any edit.
 *
 * Accounts are strings `<prefix>:<parts>`; the prefix fixes the account's line.
 */
export type AccountLine = 'revenue' | 'clearing' | 'fiscal' | 'expenditure' | 'suspense';

const PREFIX_LINE: Record<string, AccountLine> = {
  rev: 'revenue',
  clr: 'clearing',
  fis: 'fiscal',
  exp: 'expenditure',
  sus: 'suspense',
};

export const accounts = {
  /** Money taken at the window (or online) that the agent bank has not yet settled. Debit-normal. */
  clearing: (channel: string) => `clr:${channel}`,
  /** Revenue collected for the fiscal account, by charging department and fee item. Credit-normal. */
  revenue: (departmentId: string, feeCode: string) => `rev:${departmentId}:${feeCode}`,
  /** The finance bureau's fiscal special account (财政专户). Debit-normal. */
  fiscalSpecialAccount: () => 'fis:special-account',
  /** Reconciliation differences parked while finance decides (never a holding account for revenue). */
  suspense: () => 'sus:reconciliation',
  /** Reconciliation differences finance wrote off for good (suspense line, so never revenue). */
  writeOff: () => 'sus:write-off',
  /** Expenditure line: the budget the finance bureau appropriates from (credit side of allocations). */
  budgetAppropriation: () => 'exp:appropriation',
  /** Expenditure line: what a department may still spend under one allocation. */
  allocation: (departmentId: string, allocationId: string) => `exp:allocation:${departmentId}:${allocationId}`,
  /** Expenditure line: what a department has spent under one allocation. */
  spent: (departmentId: string, allocationId: string) => `exp:spent:${departmentId}:${allocationId}`,
} as const;

export function lineOf(account: string): AccountLine {
  const line = PREFIX_LINE[account.split(':', 1)[0]!];
  if (!line) throw new DomainError('ledger-invariant-violated', `Account ${account} has no known line`);
  return line;
}

export type TransactionKind = 'payment' | 'refund' | 'settlement' | 'adjustment' | 'allocation' | 'expenditure';
const EXPENDITURE_KINDS: readonly TransactionKind[] = ['allocation', 'expenditure'];

export interface Posting {
  account: string;
  debit: number;
  credit: number;
}

export interface LedgerTransactionInput {
  /** Unique and deterministic for its cause (e.g. `pay-<paymentId>`), so a retry cannot post twice. */
  id: string;
  kind: TransactionKind;
  /** What caused it: payment id, refund id, reconciliation id, allocation id... */
  ref: string;
  businessDate: string;
  postings: Posting[];
  createdAt: string;
}

export interface LedgerTransaction extends LedgerTransactionInput {
  hash: string;
}

const isPositiveFen = (n: number) => Number.isSafeInteger(n) && n > 0;

function violated(detail: string): never {
  throw new DomainError('ledger-invariant-violated', detail);
}

/** Asserts invariants 1-3; throws `ledger-invariant-violated` (a 500: a bug, never user input). */
export function assertInvariants(tx: LedgerTransactionInput): void {
  if (tx.postings.length < 2) violated(`${tx.id}: a transaction needs at least two postings`);
  let debits = 0;
  let credits = 0;
  const lines = new Set<AccountLine>();
  for (const p of tx.postings) {
    const isDebit = p.debit !== 0;
    const isCredit = p.credit !== 0;
    if (isDebit === isCredit) violated(`${tx.id}: posting to ${p.account} must be exactly one of debit or credit`);
    if (!isPositiveFen(isDebit ? p.debit : p.credit))
      violated(`${tx.id}: posting to ${p.account} is not a positive integer of fen`);
    debits += p.debit;
    credits += p.credit;
    lines.add(lineOf(p.account));
  }
  if (!Number.isSafeInteger(debits) || debits !== credits) violated(`${tx.id}: debits ${debits} ≠ credits ${credits}`);
  const touchesExpenditure = lines.has('expenditure');
  if (touchesExpenditure && lines.size > 1)
    violated(`${tx.id}: the expenditure line may not meet ${[...lines].join(', ')}`);
  if (touchesExpenditure !== EXPENDITURE_KINDS.includes(tx.kind))
    violated(
      `${tx.id}: a ${tx.kind} transaction ${touchesExpenditure ? 'may not' : 'must'} touch the expenditure line`,
    );
}

/** Canonical form: fixed field order, postings in the order given. Stable across processes. */
export function canonicalForm(tx: LedgerTransactionInput): string {
  return JSON.stringify([
    tx.id,
    tx.kind,
    tx.ref,
    tx.businessDate,
    tx.createdAt,
    tx.postings.map((p) => [p.account, p.debit, p.credit]),
  ]);
}

export const sha256Hex = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

export function hashTransaction(tx: LedgerTransactionInput): string {
  return sha256Hex(canonicalForm(tx));
}

/** The only way to make a transaction: asserts the invariants and seals it with its hash. */
export function buildTransaction(input: LedgerTransactionInput): LedgerTransaction {
  assertInvariants(input);
  return { ...input, hash: hashTransaction(input) };
}

/** Merges postings to the same account and side, so a transaction lists each account once per side. */
export function mergePostings(postings: Posting[]): Posting[] {
  const byKey = new Map<string, Posting>();
  for (const p of postings) {
    const key = `${p.account}|${p.debit ? 'D' : 'C'}`;
    const prev = byKey.get(key);
    if (prev) {
      prev.debit += p.debit;
      prev.credit += p.credit;
    } else byKey.set(key, { ...p });
  }
  return [...byKey.values()];
}

/**
 * Merkle root (SHA-256) over transaction hashes sorted ascending, so the root does not depend on
 * the order a query returns them in. An odd node is paired with itself. Empty day: hash of ''.
 */
export function merkleRoot(hashes: readonly string[]): string {
  if (hashes.length === 0) return sha256Hex('');
  let level = [...hashes].sort();
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(sha256Hex(level[i]! + (level[i + 1] ?? level[i]!)));
    level = next;
  }
  return level[0]!;
}

export interface TrialBalanceRow {
  account: string;
  line: AccountLine;
  debit: number;
  credit: number;
  /** debit - credit */
  balance: number;
}

export function trialBalance(txs: Iterable<Pick<LedgerTransaction, 'postings'>>): {
  accounts: TrialBalanceRow[];
  totalDebit: number;
  totalCredit: number;
} {
  const rows = new Map<string, TrialBalanceRow>();
  let totalDebit = 0;
  let totalCredit = 0;
  for (const tx of txs)
    for (const p of tx.postings) {
      const row = rows.get(p.account) ?? {
        account: p.account,
        line: lineOf(p.account),
        debit: 0,
        credit: 0,
        balance: 0,
      };
      row.debit += p.debit;
      row.credit += p.credit;
      row.balance = row.debit - row.credit;
      rows.set(p.account, row);
      totalDebit += p.debit;
      totalCredit += p.credit;
    }
  return { accounts: [...rows.values()].sort((a, b) => a.account.localeCompare(b.account)), totalDebit, totalCredit };
}
