import {
  assertInvariants,
  hashTransaction,
  lineOf,
  trialBalance,
  type LedgerTransaction,
  type Posting,
} from '../../ledger';
import { DomainError } from '../../shared/domain/errors';
import type { Journal, ReconciliationStore } from '../ports';
import type { DaySettlement } from './records';

/**
 * The separation report (收支两条线): per department and period, the revenue line (collected,
 * refunded, settled to the fiscal account, still in clearing, parked in suspense) beside the
 * expenditure line (allocated, spent), and the invariants it verified on the period's journal.
 *
 * Revenue figures come from the journal (credits / debits of `rev:<dept>:*`), settlement figures
 * from the per-department split stored when each day was accepted. A day not yet closed counts as
 * still in clearing.
 */
export interface SeparationRow {
  departmentId: string;
  collected: number;
  refunded: number;
  settledToFiscal: number;
  inClearing: number;
  inSuspense: number;
  allocated: number;
  spent: number;
}

export interface SeparationCheck {
  name: string;
  ok: boolean;
  result: 'pass' | 'fail';
  detail: string;
}

type Settlements = ReadonlyMap<string, DaySettlement>;

const deptOf = (account: string) => account.split(':')[account.startsWith('exp:') ? 2 : 1]!;
const add = (m: Map<string, number>, key: string, n: number) => m.set(key, (m.get(key) ?? 0) + n);

function safeLine(account: string): string {
  try {
    return lineOf(account);
  } catch {
    return 'unknown';
  }
}

/** What one pass over the period's journal gathers: the rows, and the evidence for every check. */
class Tally {
  readonly rows = new Map<string, SeparationRow>();
  readonly collectedOnOpenDays = new Map<string, number>();
  readonly collectedOnClosedDays = new Map<string, number>();
  readonly malformed: string[] = [];
  readonly altered: string[] = [];
  readonly mixed: string[] = [];
  readonly spendingFed: string[] = [];
  readonly clearingOfClosedDay = new Map<string, number>();
  readonly allocatedTo = new Map<string, number>();
  readonly spentFrom = new Map<string, number>();

  constructor(private readonly settlements: Settlements) {}

  row(d: string): SeparationRow {
    const known = this.rows.get(d);
    if (known) return known;
    const r = {
      departmentId: d,
      collected: 0,
      refunded: 0,
      settledToFiscal: 0,
      inClearing: 0,
      inSuspense: 0,
      allocated: 0,
      spent: 0,
    };
    this.rows.set(d, r);
    return r;
  }

  transaction(tx: LedgerTransaction): void {
    if (hashTransaction(tx) !== tx.hash) this.altered.push(tx.id);
    try {
      assertInvariants(tx);
    } catch {
      this.malformed.push(tx.id);
    }
    const lines = new Set(tx.postings.map((p) => safeLine(p.account)));
    if (lines.has('expenditure') && lines.size > 1) this.mixed.push(tx.id);
    for (const p of tx.postings) {
      const line = safeLine(p.account);
      if (line === 'clearing' && this.settlements.has(tx.businessDate))
        add(this.clearingOfClosedDay, tx.businessDate, p.debit - p.credit);
      if (line === 'revenue') this.revenue(tx, p);
      if (line === 'expenditure') this.expenditure(tx, p);
    }
  }

  private revenue(tx: LedgerTransaction, p: Posting): void {
    const d = deptOf(p.account);
    if (tx.kind === 'payment') {
      this.row(d).collected += p.credit - p.debit;
      add(
        this.settlements.has(tx.businessDate) ? this.collectedOnClosedDays : this.collectedOnOpenDays,
        d,
        p.credit - p.debit,
      );
    } else if (tx.kind === 'refund') this.row(d).refunded += p.debit - p.credit;
  }

  private expenditure(tx: LedgerTransaction, p: Posting): void {
    // No 坐支: a spending account is fed only by an allocation from the appropriation, and
    // drawn only by an expenditure booked to the same department's `spent` account.
    if (p.account.startsWith('exp:allocation:')) {
      const fedProperly =
        (tx.kind === 'allocation' &&
          p.debit > 0 &&
          tx.postings.every((q) => q === p || q.account === 'exp:appropriation')) ||
        (tx.kind === 'expenditure' &&
          p.credit > 0 &&
          tx.postings.every((q) => q === p || q.account === p.account.replace('exp:allocation:', 'exp:spent:')));
      if (!fedProperly) this.spendingFed.push(tx.id);
      if (tx.kind === 'allocation') {
        this.row(deptOf(p.account)).allocated += p.debit;
        add(this.allocatedTo, p.account, p.debit);
      }
    }
    if (p.account.startsWith('exp:spent:') && tx.kind === 'expenditure') {
      this.row(deptOf(p.account)).spent += p.debit;
      add(this.spentFrom, p.account.replace('exp:spent:', 'exp:allocation:'), p.debit);
    }
  }

  /** The closed days' per-department split, then what open days still hold in clearing. */
  settle(): void {
    for (const s of this.settlements.values())
      for (const [d, v] of Object.entries(s.byDepartment)) {
        this.row(d).settledToFiscal += v.settled;
        this.row(d).inSuspense += v.parked;
      }
    for (const [d, n] of this.collectedOnOpenDays) this.row(d).inClearing += n;
  }
}

const ids = (xs: string[]) => (xs.length ? `: ${xs.slice(0, 10).join(', ')}${xs.length > 10 ? ', …' : ''}` : '');
const violatedBy = (xs: string[]) => (xs.length ? `; violated by${ids(xs)}` : '');

function checksOf(t: Tally, txs: readonly LedgerTransaction[]): SeparationCheck[] {
  const unaccounted = [...t.rows.values()].filter(
    (r) => (t.collectedOnClosedDays.get(r.departmentId) ?? 0) !== r.settledToFiscal + r.inSuspense,
  );
  const clearingLeft = [...t.clearingOfClosedDay].filter(([, n]) => n !== 0);
  const overspent = [...t.spentFrom].filter(([a, s]) => t.allocatedTo.has(a) && s > t.allocatedTo.get(a)!);
  const tb = trialBalance(txs);
  const checks: Omit<SeparationCheck, 'result'>[] = [
    {
      name: 'transactions-unaltered',
      ok: t.altered.length === 0,
      detail: `${txs.length - t.altered.length} of ${txs.length} transactions match their hash${ids(t.altered)}`,
    },
    {
      name: 'transactions-balanced',
      ok: t.malformed.length === 0,
      detail: `every transaction has ≥2 postings of positive integer fen and debits = credits${violatedBy(t.malformed)}`,
    },
    {
      name: 'lines-never-meet',
      ok: t.mixed.length === 0,
      detail: `no transaction touches both the expenditure line and another line${violatedBy(t.mixed)}`,
    },
    {
      name: 'no-collections-reach-spending-accounts',
      ok: t.spendingFed.length === 0,
      detail: `allocation accounts are fed only from the appropriation and drawn only by expenditures (no 坐支)${violatedBy(t.spendingFed)}`,
    },
    {
      name: 'spending-within-allocations',
      ok: overspent.length === 0,
      detail: `no allocation made in the period was spent beyond its amount${overspent.length ? `; overspent: ${overspent.map(([a]) => a).join(', ')}` : ''}`,
    },
    {
      name: 'trial-balance-balanced',
      ok: tb.totalDebit === tb.totalCredit,
      detail: `total debit ${tb.totalDebit} = total credit ${tb.totalCredit}`,
    },
    {
      name: 'closed-days-collections-accounted',
      ok: unaccounted.length === 0,
      detail: `on closed days, what each department collected was settled to the fiscal account or parked in suspense${unaccounted.length ? `; not for ${unaccounted.map((r) => r.departmentId).join(', ')}` : ''}`,
    },
    {
      name: 'closed-days-clearing-settled',
      ok: clearingLeft.length === 0,
      detail: `each closed day's clearing nets to zero (settled, refunded or parked)${clearingLeft.length ? `; not on ${clearingLeft.map(([d, n]) => `${d} (${n})`).join(', ')}` : ''}`,
    },
  ];
  return checks.map((c) => ({ name: c.name, ok: c.ok, result: c.ok ? 'pass' : 'fail', detail: c.detail }));
}

export function separationReport(
  txs: readonly LedgerTransaction[],
  settlements: Settlements,
  department?: string,
): { rows: SeparationRow[]; checks: SeparationCheck[] } {
  const tally = new Tally(settlements);
  for (const tx of txs) tally.transaction(tx);
  tally.settle();
  const rows = [...tally.rows.values()]
    .filter((r) => !department || r.departmentId === department)
    .sort((a, b) => a.departmentId.localeCompare(b.departmentId));
  return { rows, checks: checksOf(tally, txs) };
}

export class SeparationReports {
  constructor(
    private readonly deps: {
      settlements: Pick<ReconciliationStore, 'daySettlement'>;
      journal: Pick<Journal, 'businessDays' | 'transactionsOfDay'>;
    },
  ) {}

  async report(q: { from: string; to: string; department?: string }) {
    if (q.from > q.to)
      throw new DomainError('validation-failed', 'to: must not be before from', [
        { path: 'to', message: 'must not be before from' },
      ]);
    const days = await this.deps.journal.businessDays(q.from, q.to);
    const txs: LedgerTransaction[] = [];
    const settlements = new Map<string, DaySettlement>();
    for (const day of days) {
      const [dayTxs, s] = await Promise.all([
        this.deps.journal.transactionsOfDay(day),
        this.deps.settlements.daySettlement(day),
      ]);
      txs.push(...dayTxs);
      if (s) settlements.set(day, s);
    }
    return { from: q.from, to: q.to, ...separationReport(txs, settlements, q.department), transactions: txs.length };
  }
}
