import { accounts, buildTransaction, sha256Hex, type Posting } from '../../ledger/domain/ledger';
import { DomainError } from '../../shared/domain/errors';
import type { Principal } from '../../shared/domain/principal';
import { signDayProof, type StoredDayProof } from '../../ledger/domain/dayProof';
import { allDifferences, matchDay, paymentKey, type Difference } from './matching';
import type { Clock, DaySettlement, FinanceStore, Journal, PaymentsReader, ReconciliationRun, ResolutionAction, ResolutionRecord } from '../ports';

/**
 * Reconciliation (对账), resolution, settlement and day close (日结).
 *
 * run:     match the day's payments against the chosen statements → a new version of the day's result;
 *          resolutions of identical differences in the previous version carry over, and the
 *          adjustments of differences that vanished are reversed.
 * resolve: record finance's decision on one difference; suspense and write-off post a balanced
 *          adjustment together with the decision.
 * accept:  no unresolved difference, the day is over → settle the matched money (clearing → fiscal
 *          special account) → close the day (all guards) → root over the day's transactions → sign →
 *          store the proof. The settlement lands before the guards, and the root is computed only
 *          after them, so nothing can enter the day between the root and the close.
 */
export interface ReconciliationDeps {
  store: FinanceStore;
  journal: Journal;
  payments: PaymentsReader;
  clock: Clock;
  sign: (payload: object) => Promise<string>;
}

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

const runId = (date: string, version: number) => `RC-${date.replaceAll('-', '')}-V${String(version).padStart(3, '0')}`;
const keyOfItemRef = (itemRef: string) => itemRef.slice(3).replace(/:\d+$/, '');

/**
 * One adjustment per difference per run (a retry cannot post twice). Across runs, an identical
 * difference inherits its resolution and adjustment; any other earlier adjustment is reversed.
 */
export const adjustmentTxId = (runId: string, d: Difference) => `adj-${runId}-${sha256Hex(`${d.itemRef}|${d.expected ?? ''}|${d.actual ?? ''}`).slice(0, 20)}`;
export const settlementTxId = (date: string) => `settle-${date}`;

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
      return [debit(fiscal, d.actual!), credit(clearing, d.expected!), diff > 0 ? credit(parked, diff) : debit(parked, -diff)];
    }
  }
}

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
    if ((d.kind === 'payment-missing-in-bank' || d.kind === 'amount-mismatch') && resolutions.get(d.itemRef)?.action === 'matched-manually') add(d.channel, d.expected!);
  for (const [channel, refunded] of refundsByChannel) add(channel, -refunded);
  const postings: Posting[] = [];
  let total = 0;
  for (const [channel, n] of [...byChannel.entries()].sort()) {
    if (n === 0) continue;
    total += n;
    postings.push({ account: accounts.clearing(channel), debit: n < 0 ? -n : 0, credit: n > 0 ? n : 0 });
  }
  if (total !== 0) postings.unshift({ account: accounts.fiscalSpecialAccount(), debit: total > 0 ? total : 0, credit: total < 0 ? -total : 0 });
  return postings.length >= 2 ? postings : [];
}

/** Match keys whose payments left clearing for suspense or write-off instead of the fiscal account. */
export function parkedPaymentKeys(run: Pick<ReconciliationRun, 'differences'>, resolutions: Map<string, ResolutionRecord>): Set<string> {
  const keys = new Set<string>();
  for (const d of run.differences)
    if (d.kind === 'payment-missing-in-bank' && resolutions.get(d.itemRef) && resolutions.get(d.itemRef)!.action !== 'matched-manually') keys.add(keyOfItemRef(d.itemRef));
  return keys;
}

const sameDifference = (a: Difference, b: Difference) => a.itemRef === b.itemRef && a.expected === b.expected && a.actual === b.actual;

export class Reconciliations {
  constructor(private readonly deps: ReconciliationDeps) {}

  async run(input: { businessDate: string; statementIds: string[] }, by: Principal): Promise<ReconciliationView> {
    const { store, journal, payments, clock } = this.deps;
    const date = input.businessDate;
    const closedBy = await journal.dayClosedBy(date);
    if (closedBy) throw new DomainError('day-closed', `Business day ${date} was closed by ${closedBy}`);
    const statementIds = [...new Set(input.statementIds)];
    const headers = await Promise.all(statementIds.map((id) => store.getStatement(id)));
    const bad = headers.flatMap((h, i) => (h && h.date === date ? [] : [{ path: `statementIds.${i}`, message: h ? `is a statement of ${h.date}` : 'no such statement' }]));
    if (bad.length) throw new DomainError('statement-unknown', bad.map((b) => `${b.path}: ${b.message}`).join('; '), bad);

    const result = await matchDay(
      payments.paymentsOfDay(date),
      headers.map((h) => ({ statementId: h!.statementId, lines: store.statementChunks(h!) })),
    );
    const differences = allDifferences(result);

    for (let attempt = 0; attempt < 3; attempt++) {
      const prev = await store.latestRun(date);
      if (prev?.status === 'closed') throw new DomainError('day-closed', `Business day ${date} was closed by ${prev.id}`);
      const version = (prev?.version ?? 0) + 1;
      const run: ReconciliationRun = {
        id: runId(date, version),
        businessDate: date,
        version,
        status: 'open',
        statementIds,
        createdAt: clock.now().toISOString(),
        createdBy: by.sub,
        matchedCount: result.matchedCount,
        matchedAmount: result.matchedAmount,
        matchedByChannel: result.matchedByChannel,
        differences,
      };
      const prevResolutions = prev ? await store.resolutions(prev.id) : [];
      const prevDiffs = new Map((prev?.differences ?? []).map((d) => [d.itemRef, d]));
      const current = new Map(differences.map((d) => [d.itemRef, d]));
      const inherited: ResolutionRecord[] = [];
      for (const r of prevResolutions) {
        const before = prevDiffs.get(r.itemRef);
        const now = current.get(r.itemRef);
        if (before && now && sameDifference(before, now)) inherited.push({ ...r, inheritedFrom: r.inheritedFrom ?? prev!.id });
      }
      if (!(await store.createRun(run, inherited))) continue; // another run took this version: recompute the carry-over
      await this.reverseDroppedAdjustments(run);
      return this.view(run, inherited, true);
    }
    throw new DomainError('concurrent-update', `Concurrent reconciliation runs for ${date}; retry`);
  }

  /**
   * Every adjustment an earlier run of the day posted that this run no longer carries (its difference
   * vanished or changed) must be reversed. Reversal ids derive from the adjustment (`rev-<id>`), so
   * this is idempotent: it runs after each new run and again before accept, where it also completes
   * a reversal that a crash between creating the run and posting the reversal left undone.
   */
  private async reverseDroppedAdjustments(run: ReconciliationRun): Promise<void> {
    const kept = new Set((await this.deps.store.resolutions(run.id)).map((r) => r.adjustmentTxId).filter(Boolean));
    for (let v = 1; v < run.version; v++)
      for (const r of await this.deps.store.resolutions(runId(run.businessDate, v)))
        if (r.adjustmentTxId && !kept.has(r.adjustmentTxId)) await this.reverseAdjustment(r, run);
  }

  /** A difference that vanished in a re-run no longer justifies its adjustment: post the exact reverse. */
  private async reverseAdjustment(r: ResolutionRecord, run: ReconciliationRun): Promise<void> {
    const original = await this.deps.journal.getTransaction(r.adjustmentTxId!);
    if (!original) return;
    await this.deps.journal.post(
      buildTransaction({
        id: `rev-${original.id}`,
        kind: 'adjustment',
        ref: `${run.id}/reverses/${original.id}`,
        businessDate: run.businessDate,
        postings: original.postings.map((p) => ({ account: p.account, debit: p.credit, credit: p.debit })),
        createdAt: this.deps.clock.now().toISOString(),
      }),
    );
  }

  async get(id: string): Promise<ReconciliationView> {
    const run = await this.deps.store.getRun(id);
    if (!run) throw new DomainError('not-found', `No reconciliation ${id}`);
    const latestId = await this.deps.store.latestRunId(run.businessDate);
    return this.view(run, await this.deps.store.resolutions(id), latestId === run.id);
  }

  async resolve(id: string, input: { itemRef: string; action: ResolutionAction; note: string }, by: Principal): Promise<ResolutionRecord> {
    const { store, clock } = this.deps;
    const run = await this.openLatestRun(id);
    const d = run.differences.find((x) => x.itemRef === input.itemRef);
    if (!d) throw new DomainError('difference-unknown', `Reconciliation ${id} has no difference ${input.itemRef}`, [{ path: 'itemRef', message: 'no such difference in this run' }]);
    const existing = await store.getResolution(id, input.itemRef);
    if (existing) {
      // A retried request (same decision, same person) gets the first answer back.
      if (existing.action === input.action && existing.note === input.note && existing.decidedBy === by.sub) return existing;
      throw new DomainError('difference-already-resolved', `${input.itemRef} was resolved as ${existing.action} by ${existing.decidedBy}`);
    }
    const postings = resolutionPostings(d, input.action);
    const decidedAt = clock.now().toISOString();
    const adjustment = postings.length
      ? buildTransaction({ id: adjustmentTxId(run.id, d), kind: 'adjustment', ref: `${run.id}/${d.itemRef}`, businessDate: run.businessDate, postings, createdAt: decidedAt })
      : undefined;
    const resolution: ResolutionRecord = { itemRef: d.itemRef, action: input.action, note: input.note, decidedBy: by.sub, decidedAt, adjustmentTxId: adjustment?.id ?? null };
    await store.putResolution(id, resolution, adjustment);
    return resolution;
  }

  /** `replayed`: the run was already closed (a retried accept); the answer is the same. */
  async accept(id: string, by: Principal): Promise<{ status: 'closed'; proof: StoredDayProof; replayed: boolean }> {
    const { store, journal, clock } = this.deps;
    const run = await store.getRun(id);
    if (!run) throw new DomainError('not-found', `No reconciliation ${id}`);
    if (run.status === 'closed') return { status: 'closed', proof: run.proof!, replayed: true };
    await this.assertLatest(run);
    const date = run.businessDate;
    // Closed by this run means an earlier accept stopped half-way: finishing it is safe (every step is idempotent).
    const closedBy = await journal.dayClosedBy(date);
    if (closedBy && closedBy !== run.id) throw new DomainError('day-closed', `Business day ${date} was closed by ${closedBy}`);
    if (date >= clock.today()) throw new DomainError('day-not-over', `Business day ${date} has not ended (today is ${clock.today()})`);
    const resolutions = new Map((await store.resolutions(id)).map((r) => [r.itemRef, r]));
    const unresolved = run.differences.filter((d) => !resolutions.has(d.itemRef));
    if (unresolved.length)
      throw new DomainError(
        'unresolved-differences',
        `${unresolved.length} difference(s) have no resolution`,
        unresolved.slice(0, 100).map((d) => ({ path: d.itemRef, message: `${d.kind} is unresolved` })),
      );

    // A reversal owed since this run was created (and interrupted then) lands before the day closes.
    await this.reverseDroppedAdjustments(run);
    // The per-department split only reads payments: let it run alongside the close.
    const split = this.settlementByDepartment(run, resolutions);
    split.catch(() => undefined);
    // 1. The settlement lands in the day while it is still open (its own guard check would refuse it later).
    const refunds = new Map<string, number>();
    for await (const r of this.deps.payments.refundsOfDay(date)) refunds.set(r.channel, (refunds.get(r.channel) ?? 0) + r.amount);
    const postings = settlementPostings(run, resolutions, refunds);
    const settlement = postings.length
      ? buildTransaction({ id: settlementTxId(date), kind: 'settlement', ref: run.id, businessDate: date, postings, createdAt: clock.now().toISOString() })
      : undefined;
    if (settlement) await journal.post(settlement);
    // 2. Close: from here on every posting into the day fails its guard check, atomically.
    await journal.closeDay(date, run.id);
    // 3. Only now is the day's set of transactions final: root, sign, store.
    const txs = await journal.transactionsOfClosedDay(date);
    const proof = await journal.putProof(await signDayProof(date, txs, this.deps.sign));
    await store.putDaySettlement({ ...(await split), settlementTxId: settlement?.id ?? null });
    await store.markRunClosed(id, { closedAt: clock.now().toISOString(), closedBy: by.sub, proof });
    return { status: 'closed', proof, replayed: false };
  }

  /** Splits the day's payments by charging department: settled to the fiscal account, or parked. */
  private async settlementByDepartment(run: ReconciliationRun, resolutions: Map<string, ResolutionRecord>): Promise<Omit<DaySettlement, 'settlementTxId'>> {
    const parked = parkedPaymentKeys(run, resolutions);
    const byDepartment: DaySettlement['byDepartment'] = {};
    for await (const p of this.deps.payments.paymentsOfDay(run.businessDate)) {
      const isParked = parked.has(paymentKey(p));
      for (const l of p.lines) {
        const row = (byDepartment[l.departmentId] ??= { settled: 0, parked: 0 });
        if (isParked) row.parked += l.amount;
        else row.settled += l.amount;
      }
    }
    return { date: run.businessDate, reconciliationId: run.id, byDepartment };
  }

  private async openLatestRun(id: string): Promise<ReconciliationRun> {
    const run = await this.deps.store.getRun(id);
    if (!run) throw new DomainError('not-found', `No reconciliation ${id}`);
    if (run.status === 'closed') throw new DomainError('reconciliation-closed', `Reconciliation ${id} is closed`);
    await this.assertLatest(run);
    return run;
  }

  private async assertLatest(run: ReconciliationRun): Promise<void> {
    const latestId = await this.deps.store.latestRunId(run.businessDate);
    if (latestId && latestId !== run.id) throw new DomainError('reconciliation-superseded', `${latestId} is the current run of ${run.businessDate}`);
  }

  private view(run: ReconciliationRun, resolutions: ResolutionRecord[], latest: boolean): ReconciliationView {
    const byRef = new Map(resolutions.map((r) => [r.itemRef, r]));
    const withResolution = (kind: Difference['kind']) =>
      run.differences.filter((d) => d.kind === kind).map((d) => (byRef.has(d.itemRef) ? { ...d, resolution: byRef.get(d.itemRef)! } : d));
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
}

