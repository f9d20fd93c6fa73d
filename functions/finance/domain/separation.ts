import { assertInvariants, hashTransaction, lineOf, trialBalance, type LedgerTransaction } from '../../ledger/domain/ledger';
import { DomainError } from '../../shared/domain/errors';
import type { DaySettlement, FinanceStore, Journal } from '../ports';

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

const deptOf = (account: string) => account.split(':')[account.startsWith('exp:') ? 2 : 1]!;

export function separationReport(
  txs: readonly LedgerTransaction[],
  settlements: ReadonlyMap<string, DaySettlement>,
  department?: string,
): { rows: SeparationRow[]; checks: SeparationCheck[] } {
  const rows = new Map<string, SeparationRow>();
  const row = (d: string) => {
    let r = rows.get(d);
    if (!r) rows.set(d, (r = { departmentId: d, collected: 0, refunded: 0, settledToFiscal: 0, inClearing: 0, inSuspense: 0, allocated: 0, spent: 0 }));
    return r;
  };
  const collectedOnOpenDays = new Map<string, number>();
  const collectedOnClosedDays = new Map<string, number>();
  const malformed: string[] = [];
  const altered: string[] = [];
  const mixed: string[] = [];
  const spendingFed: string[] = [];
  const clearingOfClosedDay = new Map<string, number>();
  const allocatedTo = new Map<string, number>();
  const spentFrom = new Map<string, number>();

  for (const tx of txs) {
    if (hashTransaction(tx) !== tx.hash) altered.push(tx.id);
    try {
      assertInvariants(tx);
    } catch {
      malformed.push(tx.id);
    }
    const lines = new Set(tx.postings.map((p) => safeLine(p.account)));
    if (lines.has('expenditure') && lines.size > 1) mixed.push(tx.id);
    for (const p of tx.postings) {
      const line = safeLine(p.account);
      if (line === 'clearing' && settlements.has(tx.businessDate))
        clearingOfClosedDay.set(tx.businessDate, (clearingOfClosedDay.get(tx.businessDate) ?? 0) + p.debit - p.credit);
      if (line === 'revenue') {
        const d = deptOf(p.account);
        if (tx.kind === 'payment') {
          row(d).collected += p.credit - p.debit;
          const bucket = settlements.has(tx.businessDate) ? collectedOnClosedDays : collectedOnOpenDays;
          bucket.set(d, (bucket.get(d) ?? 0) + p.credit - p.debit);
        } else if (tx.kind === 'refund') row(d).refunded += p.debit - p.credit;
      }
      if (line === 'expenditure') {
        // No 坐支: a spending account is fed only by an allocation from the appropriation, and
        // drawn only by an expenditure booked to the same department's `spent` account.
        if (p.account.startsWith('exp:allocation:')) {
          const fedProperly =
            (tx.kind === 'allocation' && p.debit > 0 && tx.postings.every((q) => q === p || q.account === 'exp:appropriation')) ||
            (tx.kind === 'expenditure' && p.credit > 0 && tx.postings.every((q) => q === p || q.account === p.account.replace('exp:allocation:', 'exp:spent:')));
          if (!fedProperly) spendingFed.push(tx.id);
          if (tx.kind === 'allocation') {
            row(deptOf(p.account)).allocated += p.debit;
            allocatedTo.set(p.account, (allocatedTo.get(p.account) ?? 0) + p.debit);
          }
        }
        if (p.account.startsWith('exp:spent:') && tx.kind === 'expenditure') {
          row(deptOf(p.account)).spent += p.debit;
          const alloc = p.account.replace('exp:spent:', 'exp:allocation:');
          spentFrom.set(alloc, (spentFrom.get(alloc) ?? 0) + p.debit);
        }
      }
    }
  }
  for (const s of settlements.values())
    for (const [d, v] of Object.entries(s.byDepartment)) {
      row(d).settledToFiscal += v.settled;
      row(d).inSuspense += v.parked;
    }
  for (const [d, n] of collectedOnOpenDays) row(d).inClearing += n;

  const unaccounted = [...rows.values()].filter((r) => (collectedOnClosedDays.get(r.departmentId) ?? 0) !== r.settledToFiscal + r.inSuspense);
  const clearingLeft = [...clearingOfClosedDay].filter(([, n]) => n !== 0);
  const overspent = [...spentFrom].filter(([a, s]) => allocatedTo.has(a) && s > allocatedTo.get(a)!);
  const tb = trialBalance(txs);
  const ids = (xs: string[]) => (xs.length ? `: ${xs.slice(0, 10).join(', ')}${xs.length > 10 ? ', …' : ''}` : '');
  const checks: Omit<SeparationCheck, 'result'>[] = [
    { name: 'transactions-unaltered', ok: altered.length === 0, detail: `${txs.length - altered.length} of ${txs.length} transactions match their hash${ids(altered)}` },
    {
      name: 'transactions-balanced',
      ok: malformed.length === 0,
      detail: `every transaction has ≥2 postings of positive integer fen and debits = credits${malformed.length ? `; violated by${ids(malformed)}` : ''}`,
    },
    { name: 'lines-never-meet', ok: mixed.length === 0, detail: `no transaction touches both the expenditure line and another line${mixed.length ? `; violated by${ids(mixed)}` : ''}` },
    {
      name: 'no-collections-reach-spending-accounts',
      ok: spendingFed.length === 0,
      detail: `allocation accounts are fed only from the appropriation and drawn only by expenditures (no 坐支)${spendingFed.length ? `; violated by${ids(spendingFed)}` : ''}`,
    },
    {
      name: 'spending-within-allocations',
      ok: overspent.length === 0,
      detail: `no allocation made in the period was spent beyond its amount${overspent.length ? `; overspent: ${overspent.map(([a]) => a).join(', ')}` : ''}`,
    },
    { name: 'trial-balance-balanced', ok: tb.totalDebit === tb.totalCredit, detail: `total debit ${tb.totalDebit} = total credit ${tb.totalCredit}` },
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
  const out = [...rows.values()].filter((r) => !department || r.departmentId === department).sort((a, b) => a.departmentId.localeCompare(b.departmentId));
  return { rows: out, checks: checks.map((c) => ({ name: c.name, ok: c.ok, result: c.ok ? 'pass' : 'fail', detail: c.detail })) };
}

function safeLine(account: string): string {
  try {
    return lineOf(account);
  } catch {
    return 'unknown';
  }
}

export class SeparationReports {
  constructor(private readonly deps: { store: FinanceStore; journal: Journal }) {}

  async report(q: { from: string; to: string; department?: string }) {
    if (q.from > q.to) throw new DomainError('validation-failed', 'to: must not be before from', [{ path: 'to', message: 'must not be before from' }]);
    const days = await this.deps.journal.businessDays(q.from, q.to);
    const txs: LedgerTransaction[] = [];
    const settlements = new Map<string, DaySettlement>();
    for (const day of days) {
      const [dayTxs, s] = await Promise.all([this.deps.journal.transactionsOfDay(day), this.deps.store.daySettlement(day)]);
      txs.push(...dayTxs);
      if (s) settlements.set(day, s);
    }
    return { from: q.from, to: q.to, ...separationReport(txs, settlements, q.department), transactions: txs.length };
  }
}
