import {
  accounts,
  buildTransaction,
  mayCloseDay,
  SAME_DAY_POSTING_GRACE_MS,
  signDayProof,
  type Posting,
  type StoredDayProof,
} from '../../ledger';
import { DomainError } from '../../shared/domain/errors';
import type { Principal } from '../../shared/domain/principal';
import type { Clock, Journal, PaymentsReader, ReconciliationStore, Sign } from '../ports';
import { paymentKey } from './matching';
import type { DaySettlement, ReconciliationRun, ResolutionRecord } from './records';

/**
 * Acceptance and day close (日结) of a reconciled day: no unresolved difference, the day is over →
 * settle the matched money (clearing → fiscal special account) → close the day (all guards) → root
 * over the day's transactions → sign → store the proof. The settlement lands before the guards, and
 * the root is computed only after them, so nothing can enter the day between the root and the close.
 */
export interface DayCloseDeps {
  runs: ReconciliationStore;
  journal: Journal;
  payments: PaymentsReader;
  clock: Clock;
  sign: Sign;
}

export const settlementTxId = (date: string) => `settle-${date}`;

const keyOfItemRef = (itemRef: string) => itemRef.slice(3).replace(/:\d+$/, '');

/**
 * The settlement of an accepted run, per channel: the exactly matched money, plus the ledger amount
 * of payment-side differences finance matched manually (it vouches the bank credited them), less
 * the refunds the day paid out of that channel's clearing. Payment-side differences parked or
 * written off already left clearing through their adjustment. So after close, each channel's
 * clearing nets to zero over the day.
 */
export function settlementPostings(
  run: Pick<ReconciliationRun, 'matchedByChannel' | 'differences'>,
  resolutions: Map<string, ResolutionRecord>,
  refundsByChannel: ReadonlyMap<string, number> = new Map(),
): Posting[] {
  const byChannel = new Map<string, number>();
  const add = (channel: string, n: number) => byChannel.set(channel, (byChannel.get(channel) ?? 0) + n);
  for (const [channel, amount] of Object.entries(run.matchedByChannel)) add(channel, amount ?? 0);
  for (const d of run.differences)
    if (
      (d.kind === 'payment-missing-in-bank' || d.kind === 'amount-mismatch') &&
      resolutions.get(d.itemRef)?.action === 'matched-manually'
    )
      add(d.channel, d.expected!);
  for (const [channel, refunded] of refundsByChannel) add(channel, -refunded);
  const postings: Posting[] = [];
  let total = 0;
  for (const [channel, n] of [...byChannel.entries()].sort()) {
    if (n === 0) continue;
    total += n;
    postings.push({ account: accounts.clearing(channel), debit: n < 0 ? -n : 0, credit: Math.max(n, 0) });
  }
  if (total !== 0)
    postings.unshift({
      account: accounts.fiscalSpecialAccount(),
      debit: Math.max(total, 0),
      credit: total < 0 ? -total : 0,
    });
  return postings.length >= 2 ? postings : [];
}

/** Match keys whose payments left clearing for suspense or write-off instead of the fiscal account. */
export function parkedPaymentKeys(
  run: Pick<ReconciliationRun, 'differences'>,
  resolutions: Map<string, ResolutionRecord>,
): Set<string> {
  const keys = new Set<string>();
  for (const d of run.differences)
    if (
      d.kind === 'payment-missing-in-bank' &&
      resolutions.get(d.itemRef) &&
      resolutions.get(d.itemRef)!.action !== 'matched-manually'
    )
      keys.add(keyOfItemRef(d.itemRef));
  return keys;
}

/**
 * Whether the run may close its day now; returns its resolutions by itemRef. A day closed by this
 * very run means an earlier accept stopped half-way: finishing it is safe (every step is idempotent).
 */
export async function assertAcceptable(
  deps: DayCloseDeps,
  run: ReconciliationRun,
): Promise<Map<string, ResolutionRecord>> {
  const { runs, journal, clock } = deps;
  const date = run.businessDate;
  const closedBy = await journal.dayClosedBy(date);
  if (closedBy && closedBy !== run.id)
    throw new DomainError('day-closed', `The business day was closed by ${closedBy}`);
  if (date >= clock.today())
    throw new DomainError('day-not-over', `The business day has not ended (today is ${clock.today()})`);
  if (!mayCloseDay(date, clock))
    throw new DomainError(
      'day-not-over',
      `The business day ended less than ${SAME_DAY_POSTING_GRACE_MS / 60_000} minutes ago: its last payments may still be committing`,
    );
  const resolutions = new Map((await runs.resolutions(run.id)).map((r) => [r.itemRef, r]));
  const unresolved = run.differences.filter((d) => !resolutions.has(d.itemRef));
  if (unresolved.length)
    throw new DomainError(
      'unresolved-differences',
      `${unresolved.length} difference(s) have no resolution`,
      unresolved.slice(0, 100).map((d) => ({ path: d.itemRef, message: `${d.kind} is unresolved` })),
    );
  return resolutions;
}

/** Settles, closes, proves and records an acceptable run's day (see the steps above). */
export async function closeDay(
  deps: DayCloseDeps,
  run: ReconciliationRun,
  resolutions: Map<string, ResolutionRecord>,
  by: Principal,
): Promise<StoredDayProof> {
  const { runs, journal, clock } = deps;
  const date = run.businessDate;
  // The per-department split only reads payments: let it run alongside the close.
  const split = settlementByDepartment(deps.payments, run, resolutions);
  split.catch(() => undefined);
  // 1. The settlement lands in the day while it is still open (its own guard check would refuse it later).
  const refunds = new Map<string, number>();
  for await (const r of deps.payments.refundsOfDay(date))
    refunds.set(r.channel, (refunds.get(r.channel) ?? 0) + r.amount);
  const postings = settlementPostings(run, resolutions, refunds);
  const settlement = postings.length
    ? buildTransaction({
        id: settlementTxId(date),
        kind: 'settlement',
        ref: run.id,
        businessDate: date,
        postings,
        createdAt: clock.now().toISOString(),
      })
    : undefined;
  if (settlement) await journal.post(settlement);
  // 2. Close: from here on every posting into the day fails its guard check, atomically.
  await journal.closeDay(date, run.id);
  // 3. Only now is the day's set of transactions final: root, sign, store.
  const txs = await journal.transactionsOfDay(date);
  const proof = await journal.putProof(await signDayProof(date, txs, deps.sign));
  await runs.putDaySettlement({ ...(await split), settlementTxId: settlement?.id ?? null });
  await runs.markRunClosed(run.id, { closedAt: clock.now().toISOString(), closedBy: by.sub, proof });
  return proof;
}

/** Splits the day's payments by charging department: settled to the fiscal account, or parked. */
async function settlementByDepartment(
  payments: PaymentsReader,
  run: ReconciliationRun,
  resolutions: Map<string, ResolutionRecord>,
): Promise<Omit<DaySettlement, 'settlementTxId'>> {
  const parked = parkedPaymentKeys(run, resolutions);
  const byDepartment: DaySettlement['byDepartment'] = {};
  for await (const p of payments.paymentsOfDay(run.businessDate)) {
    const isParked = parked.has(paymentKey(p));
    for (const l of p.lines) {
      byDepartment[l.departmentId] ??= { settled: 0, parked: 0 };
      const row = byDepartment[l.departmentId]!;
      if (isParked) row.parked += l.amount;
      else row.settled += l.amount;
    }
  }
  return { date: run.businessDate, reconciliationId: run.id, byDepartment };
}
