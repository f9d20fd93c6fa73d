import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Difference } from '../../functions/finance/domain/matching';
import {
  runId,
  type BudgetAllocationRecord,
  type ExpenditureRecord,
  type ReconciliationRun,
  type ResolutionRecord,
  type StatementHeader,
} from '../../functions/finance/domain/records';
import type { StatementLine } from '../../functions/finance/domain/statementCsv';
import type { BudgetStore, Journal, ReconciliationStore, StatementStore } from '../../functions/finance/ports';
import { accounts, buildTransaction, type LedgerTransaction, type StoredDayProof } from '../../functions/ledger';
import { uniqueDate } from '../unit/finance/dayFixtures';

/**
 * The contract of the Finance table's stores (statements, reconciliation runs, budget), as the
 * finance domain relies on it: run against the in-memory fake (test/unit/finance/memoryBooks.ts)
 * and against the DynamoDB adapters (functions/finance/adapters/), so the two cannot drift. The
 * stores that post ledger transactions are checked together with the journal they post into.
 * Every test makes its own ids and business dates, so runs against one shared DynamoDB Local never collide.
 */
export interface FinanceBooks {
  statements: StatementStore;
  runs: ReconciliationStore;
  budget: BudgetStore;
  journal: Journal;
}

const uid = () => randomUUID().replaceAll('-', '').slice(0, 10).toUpperCase();

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of source) out.push(x);
  return out;
}

const line = (row: number, over: Partial<StatementLine> = {}): StatementLine => ({
  row,
  bankRef: `BR${row}`,
  valueDate: '2026-03-01',
  amount: 100 + row,
  channel: 'card',
  noticeNo: null,
  windowId: null,
  ...over,
});

const header = (statementId: string, date: string, chunks: StatementLine[][]): StatementHeader => ({
  statementId,
  date,
  lines: chunks.flat().length,
  total: chunks.flat().reduce((a, l) => a + l.amount, 0),
  chunks: chunks.length,
  source: 'api',
  importedBy: 'finance:contract',
  importedAt: '2026-03-02T01:00:00.000Z',
});

const difference = (i: number): Difference => ({
  itemRef: `ML:card:R${i}`,
  kind: 'bank-line-missing-in-ledger',
  channel: 'card',
  bankRef: `R${i}`,
  actual: 100 + i,
  statementId: 'ST-CONTRACT',
  row: i + 2,
});

const reconciliationRun = (date: string, version: number, differences: Difference[]): ReconciliationRun => ({
  id: runId(date, version),
  businessDate: date,
  version,
  status: 'open',
  statementIds: ['ST-CONTRACT'],
  createdAt: '2026-03-02T01:00:00.000Z',
  createdBy: 'finance:contract',
  matchedCount: 3,
  matchedAmount: 300,
  matchedByChannel: { card: 300 },
  differences,
});

const resolution = (itemRef: string, adjustmentTxId: string | null = null): ResolutionRecord => ({
  itemRef,
  action: adjustmentTxId ? 'suspense' : 'matched-manually',
  note: 'contract',
  decidedBy: 'finance:contract',
  decidedAt: '2026-03-02T02:00:00.000Z',
  adjustmentTxId,
});

const adjustment = (id: string, date: string, amount = 101): LedgerTransaction =>
  buildTransaction({
    id,
    kind: 'adjustment',
    ref: id,
    businessDate: date,
    createdAt: `${date}T05:00:00.000Z`,
    postings: [
      { account: accounts.fiscalSpecialAccount(), debit: amount, credit: 0 },
      { account: accounts.suspense(), debit: 0, credit: amount },
    ],
  });

function allocation(date: string, amount: number): { a: BudgetAllocationRecord; tx: LedgerTransaction } {
  const allocationId = `AL-${uid()}`;
  const departmentId = `D${uid()}`;
  const createdAt = `${date}T04:00:00.000Z`;
  const a = {
    allocationId,
    departmentId,
    fiscalYear: 2026,
    amount,
    spent: 0,
    remaining: amount,
    purpose: 'ops',
    createdAt,
    createdBy: 'finance:contract',
  };
  const tx = buildTransaction({
    id: `alloc-${allocationId}`,
    kind: 'allocation',
    ref: allocationId,
    businessDate: date,
    createdAt,
    postings: [
      { account: accounts.allocation(departmentId, allocationId), debit: amount, credit: 0 },
      { account: accounts.budgetAppropriation(), debit: 0, credit: amount },
    ],
  });
  return { a, tx };
}

function expenditure(
  a: BudgetAllocationRecord,
  date: string,
  amount: number,
): { e: ExpenditureRecord; tx: LedgerTransaction } {
  const expenditureId = `EX-${uid()}`;
  const createdAt = `${date}T06:00:00.000Z`;
  const e = {
    expenditureId,
    allocationId: a.allocationId,
    departmentId: a.departmentId,
    amount,
    payee: 'Supplier',
    purpose: 'paper',
    businessDate: date,
    createdAt,
    createdBy: 'dept:contract',
  };
  const tx = buildTransaction({
    id: `exp-${expenditureId}`,
    kind: 'expenditure',
    ref: expenditureId,
    businessDate: date,
    createdAt,
    postings: [
      { account: accounts.spent(a.departmentId, a.allocationId), debit: amount, credit: 0 },
      { account: accounts.allocation(a.departmentId, a.allocationId), debit: 0, credit: amount },
    ],
  });
  return { e, tx };
}

export function describeStatementStoreContract(name: string, make: () => StatementStore) {
  describe(`${name}: statement store`, () => {
    it('makes a statement exist only with its header, and streams its chunks back in order', async () => {
      const store = make();
      const id = `ST-C-${uid()}`;
      const chunks = [
        [line(2), line(3, { channel: 'cash', bankRef: null, windowId: 'W01', noticeNo: 'N-1' })],
        [line(4, { channel: 'online', amount: 1 })],
        [line(5, { channel: 'transfer', valueDate: '2026-02-28' })],
      ];
      for (const [n, c] of chunks.entries()) await store.putStatementChunk(id, n, c);
      expect(await store.getStatement(id)).toBeUndefined();
      const h = header(id, uniqueDate(), chunks);
      expect(await store.putStatementHeader(h)).toBe(true);
      expect(await store.getStatement(id)).toEqual(h);
      expect(await collect(store.statementChunks(h))).toEqual(chunks);
    });

    it('refuses a second header with the same id and keeps the first (a redelivered import)', async () => {
      const store = make();
      const id = `ST-C-${uid()}`;
      const first = header(id, uniqueDate(), []);
      expect(await store.putStatementHeader(first)).toBe(true);
      expect(await store.putStatementHeader({ ...first, importedBy: 'someone else', lines: 9 })).toBe(false);
      expect(await store.getStatement(id)).toEqual(first);
    });

    it('streams nothing for a statement without lines', async () => {
      const store = make();
      const h = header(`ST-C-${uid()}`, uniqueDate(), []);
      await store.putStatementHeader(h);
      expect(await collect(store.statementChunks(h))).toEqual([]);
    });

    it('discards chunks: a header pointing at a discarded chunk fails to stream rather than yielding nothing', async () => {
      const store = make();
      const id = `ST-C-${uid()}`;
      const chunks = [[line(2)], [line(3)]];
      for (const [n, c] of chunks.entries()) await store.putStatementChunk(id, n, c);
      await store.discardStatementChunks(id, chunks.length);
      await expect(collect(store.statementChunks(header(id, uniqueDate(), chunks)))).rejects.toThrow();
    });
  });
}

export function describeReconciliationStoreContract(name: string, make: () => Pick<FinanceBooks, 'runs' | 'journal'>) {
  describe(`${name}: reconciliation store`, () => {
    it('creates a run with all its differences and inherited resolutions, readable by id and as the day’s latest', async () => {
      const { runs } = make();
      const date = uniqueDate();
      const run = reconciliationRun(
        date,
        1,
        Array.from({ length: 1234 }, (_, i) => difference(i)),
      );
      const inherited = [{ ...resolution('ML:card:R1'), inheritedFrom: runId(date, 0) }];
      expect(await runs.createRun(run, inherited)).toBe(true);
      expect(await runs.getRun(run.id)).toEqual(run);
      expect(await runs.latestRun(date)).toEqual(run);
      expect(await runs.latestRunId(date)).toBe(run.id);
      expect(await runs.resolutions(run.id)).toEqual(inherited);
    });

    it('does not create a version that exists, and keeps the first', async () => {
      const { runs } = make();
      const date = uniqueDate();
      const first = reconciliationRun(date, 1, [difference(1)]);
      expect(await runs.createRun(first, [])).toBe(true);
      expect(await runs.createRun({ ...first, createdBy: 'finance:other', differences: [] }, [])).toBe(false);
      expect(await runs.getRun(first.id)).toEqual(first);
    });

    it('knows the highest version as the latest; a day without runs, or an id it never made, reads as nothing', async () => {
      const { runs } = make();
      const date = uniqueDate();
      await runs.createRun(reconciliationRun(date, 1, [difference(1)]), []);
      const v2 = reconciliationRun(date, 2, [difference(2)]);
      await runs.createRun(v2, []);
      expect(await runs.latestRun(date)).toEqual(v2);
      expect(await runs.latestRunId(date)).toBe(v2.id);
      const empty = uniqueDate();
      expect(await runs.latestRun(empty)).toBeUndefined();
      expect(await runs.latestRunId(empty)).toBeUndefined();
      expect(await runs.getRun(runId(date, 7))).toBeUndefined();
      expect(await runs.getRun('not-a-run-id')).toBeUndefined();
    });

    it('records one resolution per difference, and refuses a second decision on it', async () => {
      const { runs } = make();
      const run = reconciliationRun(uniqueDate(), 1, [difference(1), difference(2)]);
      await runs.createRun(run, []);
      const r = resolution('ML:card:R1');
      await runs.putResolution(run.id, r);
      expect(await runs.getResolution(run.id, r.itemRef)).toEqual(r);
      expect(await runs.getResolution(run.id, 'ML:card:R2')).toBeUndefined();
      await expect(runs.putResolution(run.id, { ...r, note: 'again' })).rejects.toMatchObject({
        type: 'difference-already-resolved',
      });
      expect(await runs.resolutions(run.id)).toEqual([r]);
    });

    it('lists only the run’s own resolutions', async () => {
      const { runs } = make();
      const date = uniqueDate();
      const v1 = reconciliationRun(date, 1, [difference(1)]);
      const v2 = reconciliationRun(date, 2, [difference(1), difference(2)]);
      await runs.createRun(v1, []);
      await runs.putResolution(v1.id, resolution('ML:card:R1'));
      await runs.createRun(v2, []);
      await runs.putResolution(v2.id, resolution('ML:card:R2'));
      expect(await runs.resolutions(v1.id)).toEqual([resolution('ML:card:R1')]);
      expect(await runs.resolutions(v2.id)).toEqual([resolution('ML:card:R2')]);
    });

    it('posts a resolution’s adjustment with it; an adjustment already posted counts as resolved', async () => {
      const { runs, journal } = make();
      const run = reconciliationRun(uniqueDate(), 1, [difference(1), difference(2)]);
      await runs.createRun(run, []);
      const adj = adjustment(`adj-${uid()}`, run.businessDate);
      await runs.putResolution(run.id, resolution('ML:card:R1', adj.id), adj);
      expect(await journal.getTransaction(adj.businessDate, adj.id)).toEqual(adj);
      await expect(runs.putResolution(run.id, resolution('ML:card:R2', adj.id), adj)).rejects.toMatchObject({
        type: 'difference-already-resolved',
      });
      expect(await runs.getResolution(run.id, 'ML:card:R2')).toBeUndefined();
    });

    it('closes a run (who, when, the proof) and then refuses resolutions on it', async () => {
      const { runs } = make();
      const run = reconciliationRun(uniqueDate(), 1, [difference(1)]);
      await runs.createRun(run, []);
      const proof: StoredDayProof = { date: run.businessDate, root: 'ab'.repeat(32), count: 3, signature: 'x.y.z' };
      const closed = { closedAt: '2026-03-02T03:00:00.000Z', closedBy: 'finance:contract', proof };
      await runs.markRunClosed(run.id, closed);
      expect(await runs.getRun(run.id)).toEqual({ ...run, status: 'closed', ...closed });
      await expect(runs.putResolution(run.id, resolution('ML:card:R1'))).rejects.toMatchObject({
        type: 'reconciliation-closed',
      });
    });

    it('refuses an adjustment into a closed day, storing neither the resolution nor the adjustment', async () => {
      const { runs, journal } = make();
      const run = reconciliationRun(uniqueDate(), 1, [difference(1)]);
      await runs.createRun(run, []);
      await journal.closeDay(run.businessDate, run.id);
      const adj = adjustment(`adj-${uid()}`, run.businessDate);
      await expect(runs.putResolution(run.id, resolution('ML:card:R1', adj.id), adj)).rejects.toMatchObject({
        type: 'day-closed',
      });
      expect(await runs.getResolution(run.id, 'ML:card:R1')).toBeUndefined();
      expect(await journal.getTransaction(adj.businessDate, adj.id)).toBeUndefined();
    });

    it('keeps each closed day’s settlement split', async () => {
      const { runs } = make();
      const date = uniqueDate();
      const s = {
        date,
        reconciliationId: runId(date, 1),
        settlementTxId: `settle-${date}`,
        byDepartment: { D01: { settled: 300, parked: 7 } },
      };
      await runs.putDaySettlement(s);
      expect(await runs.daySettlement(date)).toEqual(s);
      expect(await runs.daySettlement(uniqueDate())).toBeUndefined();
    });
  });
}

export function describeBudgetStoreContract(name: string, make: () => Pick<FinanceBooks, 'budget' | 'journal'>) {
  describe(`${name}: budget store`, () => {
    it('stores an allocation together with its transaction; an unknown one reads as nothing', async () => {
      const { budget, journal } = make();
      const { a, tx } = allocation(uniqueDate(), 1000);
      await budget.putAllocation(a, tx);
      expect(await budget.getAllocation(a.allocationId)).toEqual(a);
      expect(await journal.getTransaction(tx.businessDate, tx.id)).toEqual(tx);
      expect(await budget.getAllocation(`AL-${uid()}`)).toBeUndefined();
    });

    it('draws an allocation down by each expenditure and answers what remains', async () => {
      const { budget, journal } = make();
      const date = uniqueDate();
      const { a, tx } = allocation(date, 1000);
      await budget.putAllocation(a, tx);
      const { e, tx: etx } = expenditure(a, date, 300);
      expect(await budget.recordExpenditure(e, etx)).toBe(700);
      expect(await budget.getAllocation(a.allocationId)).toEqual({ ...a, spent: 300, remaining: 700 });
      expect(await journal.getTransaction(etx.businessDate, etx.id)).toEqual(etx);
    });

    it('refuses an expenditure beyond what remains (or against no allocation) and changes nothing', async () => {
      const { budget, journal } = make();
      const date = uniqueDate();
      const { a, tx } = allocation(date, 1000);
      await budget.putAllocation(a, tx);
      const over = expenditure(a, date, 1001);
      await expect(budget.recordExpenditure(over.e, over.tx)).rejects.toMatchObject({ type: 'allocation-exceeded' });
      expect(await budget.getAllocation(a.allocationId)).toEqual(a);
      expect(await journal.getTransaction(over.tx.businessDate, over.tx.id)).toBeUndefined();
      const nowhere = expenditure({ ...a, allocationId: `AL-${uid()}` }, date, 1);
      await expect(budget.recordExpenditure(nowhere.e, nowhere.tx)).rejects.toMatchObject({
        type: 'allocation-exceeded',
      });
    });

    it('never lets concurrent expenditures exceed the allocation', async () => {
      const { budget } = make();
      const date = uniqueDate();
      const { a, tx } = allocation(date, 1000);
      await budget.putAllocation(a, tx);
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, () => {
          const { e, tx: etx } = expenditure(a, date, 100);
          return budget.recordExpenditure(e, etx);
        }),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
      for (const r of results)
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ type: 'allocation-exceeded' });
      expect(await budget.getAllocation(a.allocationId)).toMatchObject({ spent: 1000, remaining: 0 });
    });

    it('refuses allocations and expenditures into a closed day, changing nothing', async () => {
      const { budget, journal } = make();
      const open = uniqueDate();
      const closed = uniqueDate();
      await journal.closeDay(closed, runId(closed, 1));
      const late = allocation(closed, 500);
      await expect(budget.putAllocation(late.a, late.tx)).rejects.toMatchObject({ type: 'day-closed' });
      expect(await budget.getAllocation(late.a.allocationId)).toBeUndefined();

      const { a, tx } = allocation(open, 500);
      await budget.putAllocation(a, tx);
      const { e, tx: etx } = expenditure(a, closed, 100);
      await expect(budget.recordExpenditure(e, etx)).rejects.toMatchObject({ type: 'day-closed' });
      expect(await budget.getAllocation(a.allocationId)).toEqual(a);
    });
  });
}

/** Every Finance-table store of the context. */
export function describeFinanceStoresContract(name: string, make: () => FinanceBooks) {
  describeStatementStoreContract(name, () => make().statements);
  describeReconciliationStoreContract(name, make);
  describeBudgetStoreContract(name, make);
}
