import * as z from 'zod';
import { BusinessDate, DepartmentId, Fen, idempotencyKeyHeader, PositiveFen, Timestamp } from './common';
import { DayProof } from './ledger';
import type { RouteDocs } from './docs';

/** Finance bureau (财政局): bank statements, reconciliation, day close, budget allocations, expenditures, reports. */

export const StatementQuery = z.strictObject({ date: BusinessDate });

export const StatementSummary = z
  .object({
    statementId: z.string(),
    date: BusinessDate,
    lines: z.number().int().meta({ description: 'number of statement lines (header excluded)' }),
    total: Fen.meta({ description: 'sum of the lines, in fen' }),
  })
  .meta({ id: 'StatementSummary' });

const Id = z.string().min(1).max(100);

export const CreateReconciliation = z.strictObject({
  businessDate: BusinessDate,
  statementIds: z.array(Id).min(1).max(50),
});

export const RESOLUTION_ACTIONS = ['matched-manually', 'suspense', 'write-off'] as const;

export const CreateResolution = z.strictObject({
  itemRef: z.string().min(1).max(300),
  action: z.enum(RESOLUTION_ACTIONS),
  note: z.string().trim().min(1, 'a note is required').max(1000),
});

export const Resolution = z
  .object({
    itemRef: z.string(),
    action: z.enum(RESOLUTION_ACTIONS),
    note: z.string(),
    decidedBy: z.string().meta({ description: 'subject of the finance user who decided' }),
    decidedAt: Timestamp,
    adjustmentTxId: z.string().nullable().meta({ description: 'the balanced ledger adjustment it posted, if it moves money' }),
    inheritedFrom: z.string().optional().meta({ description: 'set when carried over from an earlier run of the same day' }),
  })
  .meta({ id: 'Resolution' });

export const DIFFERENCE_KINDS = ['payment-missing-in-bank', 'bank-line-missing-in-ledger', 'amount-mismatch', 'duplicate'] as const;

export const Difference = z
  .object({
    itemRef: z.string().meta({ description: 'stable per difference: the same data gives the same itemRef in every run' }),
    kind: z.enum(DIFFERENCE_KINDS),
    channel: z.enum(['cash', 'card', 'transfer', 'online']),
    bankRef: z.string().optional(),
    windowId: z.string().optional(),
    paymentId: z.string().optional(),
    expected: Fen.optional().meta({ description: 'what the ledger holds (fen)' }),
    actual: Fen.optional().meta({ description: 'what the bank credited (fen)' }),
    statementId: z.string().optional(),
    row: z.number().int().optional(),
    resolution: Resolution.optional(),
  })
  .meta({ id: 'Difference' });

export const ReconciliationSummary = z
  .object({
    matchedCount: z.number().int().meta({ description: 'payments matched exactly' }),
    matchedAmount: Fen,
    paymentsMissingInBank: z.array(Difference),
    bankLinesMissingInLedger: z.array(Difference),
    amountMismatches: z.array(Difference),
    duplicates: z.array(Difference),
  })
  .meta({ id: 'ReconciliationSummary' });

export const Reconciliation = z
  .object({
    id: z.string(),
    businessDate: BusinessDate,
    version: z.number().int().meta({ description: '1 for the first run of the day, then 2, 3...' }),
    status: z.enum(['open', 'closed']),
    latest: z.boolean().meta({ description: 'false once a newer run of the same day exists' }),
    statementIds: z.array(z.string()),
    createdAt: Timestamp,
    createdBy: z.string(),
    summary: ReconciliationSummary,
    unresolved: z.number().int(),
    proof: DayProof.optional(),
  })
  .meta({ id: 'Reconciliation' });

export const ReconciliationParams = z.strictObject({ id: Id });

export const AcceptResult = z.object({ status: z.literal('closed'), proof: DayProof }).meta({ id: 'DayClosed' });

export const CreateBudgetAllocation = z.strictObject({
  departmentId: DepartmentId,
  fiscalYear: z.number().int().min(2000).max(2100),
  amount: PositiveFen,
  purpose: z.string().trim().min(1).max(500),
});

export const BudgetAllocation = z
  .object({
    allocationId: z.string(),
    departmentId: z.string(),
    fiscalYear: z.number().int(),
    amount: Fen,
    spent: Fen,
    remaining: Fen,
    purpose: z.string(),
    createdAt: Timestamp,
    createdBy: z.string(),
  })
  .meta({ id: 'BudgetAllocation' });

export const CreateExpenditure = z.strictObject({
  allocationId: Id,
  amount: PositiveFen,
  payee: z.string().trim().min(1).max(200),
  purpose: z.string().trim().min(1).max(500),
});

export const Expenditure = z
  .object({
    expenditureId: z.string(),
    allocationId: z.string(),
    departmentId: z.string(),
    amount: Fen,
    payee: z.string(),
    purpose: z.string(),
    businessDate: BusinessDate,
    createdAt: Timestamp,
    createdBy: z.string(),
    remaining: Fen.meta({ description: 'what the allocation still allows after this expenditure' }),
  })
  .meta({ id: 'Expenditure' });

export const SeparationQuery = z
  .strictObject({ from: BusinessDate, to: BusinessDate, department: DepartmentId.optional() })
  .refine((q) => q.from <= q.to, { path: ['to'], message: 'must not be before from' })
  .refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 <= 366, { path: ['to'], message: 'a report spans at most 366 days' });

export const SeparationRow = z
  .object({
    departmentId: z.string(),
    collected: Fen,
    refunded: Fen,
    settledToFiscal: Fen,
    inClearing: Fen.meta({ description: 'collected on days not yet closed' }),
    inSuspense: Fen.meta({ description: 'collected but parked in suspense or written off at reconciliation' }),
    allocated: Fen,
    spent: Fen,
  })
  .meta({ id: 'SeparationRow' });

export const SeparationCheck = z
  .object({ name: z.string(), ok: z.boolean(), result: z.enum(['pass', 'fail']), detail: z.string().meta({ description: 'what was verified, and what violated it' }) })
  .meta({ id: 'SeparationCheck' });

export const SeparationReport = z
  .object({ from: BusinessDate, to: BusinessDate, rows: z.array(SeparationRow), checks: z.array(SeparationCheck), transactions: z.number().int() })
  .meta({ id: 'SeparationReport' });

export const financeRouteDocs: RouteDocs = {
  'POST /v1/bank-statements': {
    summary: 'Import the agent bank’s statement CSV (header bankRef,valueDate,amount,channel,noticeNo,windowId; amounts in yuan with two decimals)',
    bodyType: 'text/csv',
    query: StatementQuery,
    response: StatementSummary,
    status: 201,
    problems: ['statement-row-invalid', 'payload-too-large', 'unsupported-media-type', 'forbidden'],
  },
  'POST /v1/reconciliations': {
    summary: 'Run (or re-run) the reconciliation of a business day against statements; each run is a new version',
    body: CreateReconciliation,
    response: Reconciliation,
    status: 201,
    problems: ['statement-unknown', 'day-closed', 'concurrent-update'],
  },
  'GET /v1/reconciliations/{id}': { summary: 'A reconciliation run with its differences and resolutions', response: Reconciliation, problems: ['not-found'] },
  'POST /v1/reconciliations/{id}/resolutions': {
    summary: 'Record finance’s decision on one difference; suspense and write-off post a balanced adjustment',
    body: CreateResolution,
    response: Resolution,
    status: 201,
    problems: ['not-found', 'difference-unknown', 'difference-already-resolved', 'reconciliation-closed', 'reconciliation-superseded', 'day-closed'],
  },
  'POST /v1/reconciliations/{id}/accept': {
    summary: 'Settle the day’s matched money into the fiscal special account and close the business day (signed Merkle root)',
    headers: [idempotencyKeyHeader(false, ' Accept is idempotent by construction (every step is keyed by the day), so the key is optional here; when sent, a repeated accept says it was replayed.')],
    response: AcceptResult,
    problems: ['not-found', 'unresolved-differences', 'day-not-over', 'day-closed', 'reconciliation-superseded'],
  },
  'POST /v1/budget-allocations': {
    summary: 'Allocate budget to a department (expenditure line)',
    body: CreateBudgetAllocation,
    response: BudgetAllocation,
    status: 201,
    problems: ['department-unknown'],
  },
  'POST /v1/expenditures': {
    summary: 'Record a department’s expenditure against one of its own allocations',
    body: CreateExpenditure,
    response: Expenditure,
    status: 201,
    problems: ['forbidden', 'allocation-unknown', 'allocation-exceeded'],
  },
  'GET /v1/reports/separation': {
    summary: 'Revenue–expenditure separation (收支两条线) per department and period, with the invariants verified',
    query: SeparationQuery,
    response: SeparationReport,
  },
};
