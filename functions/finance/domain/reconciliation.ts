import { buildTransaction, type StoredDayProof } from '../../ledger';
import { DomainError } from '../../shared/domain/errors';
import type { Principal } from '../../shared/domain/principal';
import type { StatementStore } from '../ports';
import { assertAcceptable, closeDay, type DayCloseDeps } from './dayClose';
import { allDifferences, matchDay, type Difference, type MatchResult } from './matching';
import { runId, type ReconciliationRun, type ResolutionRecord } from './records';
import { resolveDifference, type ResolutionInput } from './resolution';
import { reconciliationView, type ReconciliationView } from './reconciliationView';

/**
 * Reconciliation (对账), resolution, settlement and day close (日结).
 *
 * run:     match the day's payments against the chosen statements → a new version of the day's result;
 *          resolutions of identical differences in the previous version carry over, and the
 *          adjustments of differences that vanished are reversed.
 * resolve: record finance's decision on one difference (./resolution.ts).
 * accept:  settle, close the day and prove it (./dayClose.ts).
 */
export interface ReconciliationDeps extends DayCloseDeps {
  statements: StatementStore;
}

const sameDifference = (a: Difference, b: Difference) =>
  a.itemRef === b.itemRef && a.expected === b.expected && a.actual === b.actual;

/** The previous version's resolutions of differences that are still there, unchanged. */
function carriedOver(
  prev: ReconciliationRun | undefined,
  prevResolutions: ResolutionRecord[],
  differences: Difference[],
) {
  const prevDiffs = new Map((prev?.differences ?? []).map((d) => [d.itemRef, d]));
  const current = new Map(differences.map((d) => [d.itemRef, d]));
  const inherited: ResolutionRecord[] = [];
  for (const r of prevResolutions) {
    const before = prevDiffs.get(r.itemRef);
    const now = current.get(r.itemRef);
    if (before && now && sameDifference(before, now))
      inherited.push({ ...r, inheritedFrom: r.inheritedFrom ?? prev!.id });
  }
  return inherited;
}

export class Reconciliations {
  constructor(private readonly deps: ReconciliationDeps) {}

  async run(input: { businessDate: string; statementIds: string[] }, by: Principal): Promise<ReconciliationView> {
    const { runs, clock } = this.deps;
    const date = input.businessDate;
    const statementIds = [...new Set(input.statementIds)];
    const result = await this.match(date, statementIds);
    const differences = allDifferences(result);

    for (let attempt = 0; attempt < 3; attempt++) {
      const prev = await runs.latestRun(date);
      if (prev?.status === 'closed') throw new DomainError('day-closed', `The business day was closed by ${prev.id}`);
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
      const inherited = carriedOver(prev, prev ? await runs.resolutions(prev.id) : [], differences);
      if (!(await runs.createRun(run, inherited))) continue; // another run took this version: recompute the carry-over
      await this.reverseDroppedAdjustments(run);
      return reconciliationView(run, inherited, true);
    }
    throw new DomainError('concurrent-update', 'Concurrent reconciliation runs of this business day; retry');
  }

  /** The day's payments against the statements named (each must be a statement of that day). */
  private async match(date: string, statementIds: string[]): Promise<MatchResult> {
    const { statements, journal, payments } = this.deps;
    const closedBy = await journal.dayClosedBy(date);
    if (closedBy) throw new DomainError('day-closed', `The business day was closed by ${closedBy}`);
    const headers = await Promise.all(statementIds.map((id) => statements.getStatement(id)));
    const bad = headers.flatMap((h, i) =>
      h && h.date === date
        ? []
        : [{ path: `statementIds.${i}`, message: h ? `is a statement of ${h.date}` : 'no such statement' }],
    );
    if (bad.length)
      throw new DomainError('statement-unknown', bad.map((b) => `${b.path}: ${b.message}`).join('; '), bad);
    return matchDay(
      payments.paymentsOfDay(date),
      headers.map((h) => ({ statementId: h!.statementId, lines: statements.statementChunks(h!) })),
    );
  }

  /**
   * Every adjustment an earlier run of the day posted that this run no longer carries (its difference
   * vanished or changed) must be reversed. Reversal ids derive from the adjustment (`rev-<id>`), so
   * this is idempotent: it runs after each new run and again before accept, where it also completes
   * a reversal that a crash between creating the run and posting the reversal left undone.
   */
  private async reverseDroppedAdjustments(run: ReconciliationRun): Promise<void> {
    const kept = new Set((await this.deps.runs.resolutions(run.id)).map((r) => r.adjustmentTxId).filter(Boolean));
    for (let v = 1; v < run.version; v++)
      for (const r of await this.deps.runs.resolutions(runId(run.businessDate, v)))
        if (r.adjustmentTxId && !kept.has(r.adjustmentTxId)) await this.reverseAdjustment(r, run);
  }

  /** A difference that vanished in a re-run no longer justifies its adjustment: post the exact reverse. */
  private async reverseAdjustment(r: ResolutionRecord, run: ReconciliationRun): Promise<void> {
    const original = await this.deps.journal.getTransaction(run.businessDate, r.adjustmentTxId!);
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
    const run = await this.deps.runs.getRun(id);
    if (!run) throw new DomainError('not-found', 'No reconciliation with this id');
    const latestId = await this.deps.runs.latestRunId(run.businessDate);
    return reconciliationView(run, await this.deps.runs.resolutions(id), latestId === run.id);
  }

  async resolve(id: string, input: ResolutionInput, by: Principal): Promise<ResolutionRecord> {
    return resolveDifference(this.deps, await this.openLatestRun(id), input, by);
  }

  /** `replayed`: the run was already closed (a retried accept); the answer is the same. */
  async accept(id: string, by: Principal): Promise<{ status: 'closed'; proof: StoredDayProof; replayed: boolean }> {
    const run = await this.deps.runs.getRun(id);
    if (!run) throw new DomainError('not-found', 'No reconciliation with this id');
    if (run.status === 'closed') return { status: 'closed', proof: run.proof!, replayed: true };
    await this.assertLatest(run);
    const resolutions = await assertAcceptable(this.deps, run);
    // A reversal owed since this run was created (and interrupted then) lands before the day closes.
    await this.reverseDroppedAdjustments(run);
    return { status: 'closed', proof: await closeDay(this.deps, run, resolutions, by), replayed: false };
  }

  private async openLatestRun(id: string): Promise<ReconciliationRun> {
    const run = await this.deps.runs.getRun(id);
    if (!run) throw new DomainError('not-found', 'No reconciliation with this id');
    if (run.status === 'closed') throw new DomainError('reconciliation-closed', 'The reconciliation is closed');
    await this.assertLatest(run);
    return run;
  }

  private async assertLatest(run: ReconciliationRun): Promise<void> {
    const latestId = await this.deps.runs.latestRunId(run.businessDate);
    if (latestId && latestId !== run.id)
      throw new DomainError('reconciliation-superseded', `${latestId} is the current run of ${run.businessDate}`);
  }
}
