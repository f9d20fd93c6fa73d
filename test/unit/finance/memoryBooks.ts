import type {
  BudgetAllocationRecord,
  DaySettlement,
  ExpenditureRecord,
  ReconciliationRun,
  ResolutionRecord,
  StatementHeader,
} from '../../../functions/finance/domain/records';
import type { StatementLine } from '../../../functions/finance/domain/statementCsv';
import type {
  BudgetStore,
  DepartmentDirectory,
  Journal,
  PaymentsReader,
  ReconciliationStore,
  StatementStore,
} from '../../../functions/finance/ports';
import type { LedgerTransaction, StoredDayProof } from '../../../functions/ledger';
import { DomainError } from '../../../functions/shared/domain/errors';
import type { PaymentRecord, RefundRecord } from '../../../schemas/records';

/**
 * In-memory finance stores, department directory, journal and payments reader for domain unit
 * tests: the same contracts as the DynamoDB adapters (each money-moving write all-or-nothing, the
 * day guard refusing postings into a closed day), held to them by the suites in test/contracts/,
 * with the state open for assertions.
 */
export class MemoryBooks
  implements StatementStore, ReconciliationStore, BudgetStore, DepartmentDirectory, Journal, PaymentsReader
{
  statements = new Map<string, StatementHeader>();
  chunks = new Map<string, StatementLine[]>();
  runs = new Map<string, ReconciliationRun>();
  resolutionsByRun = new Map<string, Map<string, ResolutionRecord>>();
  settlements = new Map<string, DaySettlement>();
  allocations = new Map<string, BudgetAllocationRecord>();
  expenditures = new Map<string, ExpenditureRecord>();
  departments = new Set<string>();
  txs = new Map<string, LedgerTransaction>();
  closedDays = new Map<string, string>();
  proofs = new Map<string, StoredDayProof>();
  payments: PaymentRecord[] = [];
  refunds: RefundRecord[] = [];

  // statements
  async putStatementChunk(id: string, n: number, lines: StatementLine[]) {
    this.chunks.set(`${id}#${n}`, structuredClone(lines));
  }
  async putStatementHeader(h: StatementHeader) {
    if (this.statements.has(h.statementId)) return false;
    this.statements.set(h.statementId, { ...h });
    return true;
  }
  async discardStatementChunks(id: string, chunks: number) {
    for (let n = 0; n < chunks; n++) this.chunks.delete(`${id}#${n}`);
  }
  async getStatement(id: string) {
    return this.statements.get(id);
  }
  async *statementChunks(h: StatementHeader) {
    for (let n = 0; n < h.chunks; n++) {
      const chunk = this.chunks.get(`${h.statementId}#${n}`);
      if (!chunk) throw new Error(`statement ${h.statementId} chunk ${n} is missing`);
      yield chunk;
    }
  }

  // runs
  async createRun(run: ReconciliationRun, inherited: ResolutionRecord[]) {
    if (this.runs.has(run.id)) return false;
    this.runs.set(run.id, structuredClone(run));
    this.resolutionsByRun.set(run.id, new Map(inherited.map((r) => [r.itemRef, { ...r }])));
    return true;
  }
  async getRun(id: string) {
    const r = this.runs.get(id);
    return r && structuredClone(r);
  }
  async latestRun(date: string) {
    const runs = [...this.runs.values()].filter((r) => r.businessDate === date).sort((a, b) => b.version - a.version);
    return runs[0] && structuredClone(runs[0]);
  }
  async latestRunId(date: string) {
    return (await this.latestRun(date))?.id;
  }
  async getResolution(runId: string, itemRef: string) {
    return this.resolutionsByRun.get(runId)?.get(itemRef);
  }
  async resolutions(runId: string) {
    return [...(this.resolutionsByRun.get(runId)?.values() ?? [])];
  }
  async putResolution(runId: string, r: ResolutionRecord, adjustment?: LedgerTransaction) {
    const existing = this.resolutionsByRun.get(runId)!;
    if (existing.has(r.itemRef)) throw new DomainError('difference-already-resolved');
    if (this.runs.get(runId)!.status !== 'open') throw new DomainError('reconciliation-closed');
    if (adjustment) {
      if (this.txs.has(adjustment.id)) throw new DomainError('difference-already-resolved');
      this.assertOpen(adjustment.businessDate);
    }
    existing.set(r.itemRef, { ...r });
    if (adjustment) this.txs.set(adjustment.id, structuredClone(adjustment));
  }
  async markRunClosed(runId: string, c: { closedAt: string; closedBy: string; proof: StoredDayProof }) {
    Object.assign(this.runs.get(runId)!, { status: 'closed', ...c });
  }
  async putDaySettlement(s: DaySettlement) {
    this.settlements.set(s.date, structuredClone(s));
  }
  async daySettlement(date: string) {
    return this.settlements.get(date);
  }

  // budget
  async getDepartment(id: string) {
    return this.departments.has(id) ? { id } : undefined;
  }
  async putAllocation(a: BudgetAllocationRecord, tx: LedgerTransaction) {
    this.assertOpen(tx.businessDate);
    this.allocations.set(a.allocationId, { ...a });
    this.txs.set(tx.id, structuredClone(tx));
  }
  async getAllocation(id: string) {
    const a = this.allocations.get(id);
    return a && { ...a };
  }
  async recordExpenditure(e: ExpenditureRecord, tx: LedgerTransaction) {
    const a = this.allocations.get(e.allocationId);
    if (!a || a.remaining < e.amount) throw new DomainError('allocation-exceeded');
    this.assertOpen(tx.businessDate);
    a.remaining -= e.amount;
    a.spent += e.amount;
    this.expenditures.set(e.expenditureId, { ...e });
    this.txs.set(tx.id, structuredClone(tx));
    return a.remaining;
  }

  // journal
  private assertOpen(date: string) {
    if (this.closedDays.has(date)) throw new DomainError('day-closed', `Business day ${date} is closed`);
  }
  async post(tx: LedgerTransaction) {
    if (this.txs.has(tx.id)) return 'exists' as const;
    this.assertOpen(tx.businessDate);
    this.txs.set(tx.id, structuredClone(tx));
    return 'posted' as const;
  }
  async getTransaction(businessDate: string, id: string) {
    const tx = this.txs.get(id);
    return tx?.businessDate === businessDate ? tx : undefined;
  }
  async dayClosedBy(date: string) {
    return this.closedDays.get(date);
  }
  async closeDay(date: string, reconciliationId: string) {
    const by = this.closedDays.get(date);
    if (by && by !== reconciliationId) throw new DomainError('day-closed');
    this.closedDays.set(date, reconciliationId);
  }
  async transactionsOfDay(date: string) {
    return [...this.txs.values()]
      .filter((t) => t.businessDate === date)
      .sort((a, b) => (a.createdAt === b.createdAt ? a.id.localeCompare(b.id) : a.createdAt.localeCompare(b.createdAt)))
      .map((t) => structuredClone(t));
  }
  async businessDays(from: string, to: string) {
    return [...new Set([...this.txs.values()].map((t) => t.businessDate))].filter((d) => d >= from && d <= to).sort();
  }
  async putProof(p: StoredDayProof) {
    if (!this.proofs.has(p.date)) this.proofs.set(p.date, p);
    return this.proofs.get(p.date)!;
  }
  async getProof(date: string) {
    return this.proofs.get(date);
  }

  // payments
  async *paymentsOfDay(date: string) {
    for (const p of this.payments) if (p.businessDate === date) yield p;
  }
  async *refundsOfDay(date: string) {
    for (const r of this.refunds) if (r.businessDate === date) yield r;
  }
  /** A refund as the payments context commits it: the record and its ledger transaction together. */
  async refund(p: PaymentRecord, refundId: string, amount: number, businessDate: string, tx: LedgerTransaction) {
    await this.post(tx);
    this.refunds.push({
      recordType: 'refund',
      refundId,
      paymentId: p.paymentId,
      channel: p.channel,
      amount,
      refundedAt: tx.createdAt,
      businessDate,
      receiptNo: `RR${refundId}`,
      lines: [],
    });
  }
}
