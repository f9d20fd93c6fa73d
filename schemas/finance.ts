import * as z from 'zod/mini';
import {
  BusinessDate,
  DepartmentId,
  EmptyBody,
  Fen,
  idempotencyKeyHeader,
  PositiveFen,
  text,
  Timestamp,
} from './common';
import { lazily, type RouteDocs } from './docs';
import { DayProof } from './ledger';

/** Finance bureau (财政局): bank statements, reconciliation, day close, budget allocations, expenditures, reports. */

export const StatementQuery = z.strictObject({ date: BusinessDate });

const Id = z.string().check(z.minLength(1), z.maxLength(100));

export const CreateReconciliation = z.strictObject({
  businessDate: BusinessDate,
  statementIds: z.array(Id).check(z.minLength(1), z.maxLength(50)),
});

export const RESOLUTION_ACTIONS = ['matched-manually', 'suspense', 'write-off'] as const;

export const CreateResolution = z.strictObject({
  itemRef: z.string().check(z.minLength(1), z.maxLength(300)),
  action: z.enum(RESOLUTION_ACTIONS),
  note: text(1000, 'a note is required'),
});

export const DIFFERENCE_KINDS = [
  'payment-missing-in-bank',
  'bank-line-missing-in-ledger',
  'amount-mismatch',
  'duplicate',
] as const;

export const ReconciliationParams = z.strictObject({ id: Id });

export const CreateBudgetAllocation = z.strictObject({
  departmentId: DepartmentId,
  fiscalYear: z.int().check(z.gte(2000), z.lte(2100)),
  amount: PositiveFen,
  purpose: text(500),
});

export const CreateExpenditure = z.strictObject({
  allocationId: Id,
  amount: PositiveFen,
  payee: text(200),
  purpose: text(500),
});

export const SeparationQuery = z
  .strictObject({ from: BusinessDate, to: BusinessDate, department: z.optional(DepartmentId) })
  .check(
    z.refine((q) => q.from <= q.to, { path: ['to'], message: 'must not be before from' }),
    z.refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 <= 366, {
      path: ['to'],
      message: 'a report spans at most 366 days',
    }),
  );

const described = (description: string) => z.meta({ description });

/** Response shapes and the route docs: built on first use (OpenAPI document, tests), not at cold start. */
export const financeDocs = lazily(() => {
  const StatementSummary = z
    .object({
      statementId: z.string(),
      date: BusinessDate,
      lines: z.int().check(described('number of statement lines (header excluded)')),
      total: Fen.check(described('sum of the lines, in fen')),
    })
    .check(z.meta({ id: 'StatementSummary' }));

  const Resolution = z
    .object({
      itemRef: z.string(),
      action: z.enum(RESOLUTION_ACTIONS),
      note: z.string(),
      decidedBy: z.string().check(described('subject of the finance user who decided')),
      decidedAt: Timestamp,
      adjustmentTxId: z
        .nullable(z.string())
        .check(described('the balanced ledger adjustment it posted, if it moves money')),
      inheritedFrom: z
        .optional(z.string())
        .check(described('set when carried over from an earlier run of the same day')),
    })
    .check(z.meta({ id: 'Resolution' }));

  const Difference = z
    .object({
      itemRef: z.string().check(described('stable per difference: the same data gives the same itemRef in every run')),
      kind: z.enum(DIFFERENCE_KINDS),
      channel: z.enum(['cash', 'card', 'transfer', 'online']),
      bankRef: z.optional(z.string()),
      windowId: z.optional(z.string()),
      paymentId: z.optional(z.string()),
      expected: z.optional(Fen).check(described('what the ledger holds (fen)')),
      actual: z.optional(Fen).check(described('what the bank credited (fen)')),
      statementId: z.optional(z.string()),
      row: z.optional(z.int()),
      resolution: z.optional(Resolution),
    })
    .check(z.meta({ id: 'Difference' }));

  const ReconciliationSummary = z
    .object({
      matchedCount: z.int().check(described('payments matched exactly')),
      matchedAmount: Fen,
      paymentsMissingInBank: z.array(Difference),
      bankLinesMissingInLedger: z.array(Difference),
      amountMismatches: z.array(Difference),
      duplicates: z.array(Difference),
    })
    .check(z.meta({ id: 'ReconciliationSummary' }));

  const Reconciliation = z
    .object({
      id: z.string(),
      businessDate: BusinessDate,
      version: z.int().check(described('1 for the first run of the day, then 2, 3...')),
      status: z.enum(['open', 'closed']),
      latest: z.boolean().check(described('false once a newer run of the same day exists')),
      statementIds: z.array(z.string()),
      createdAt: Timestamp,
      createdBy: z.string(),
      summary: ReconciliationSummary,
      unresolved: z.int(),
      proof: z.optional(DayProof()),
    })
    .check(z.meta({ id: 'Reconciliation' }));

  const AcceptResult = z.object({ status: z.literal('closed'), proof: DayProof() }).check(z.meta({ id: 'DayClosed' }));

  const BudgetAllocation = z
    .object({
      allocationId: z.string(),
      departmentId: z.string(),
      fiscalYear: z.int(),
      amount: Fen,
      spent: Fen,
      remaining: Fen,
      purpose: z.string(),
      createdAt: Timestamp,
      createdBy: z.string(),
    })
    .check(z.meta({ id: 'BudgetAllocation' }));

  const Expenditure = z
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
      remaining: Fen.check(described('what the allocation still allows after this expenditure')),
    })
    .check(z.meta({ id: 'Expenditure' }));

  const SeparationRow = z
    .object({
      departmentId: z.string(),
      collected: Fen,
      refunded: Fen,
      settledToFiscal: Fen,
      inClearing: Fen.check(described('collected on days not yet closed')),
      inSuspense: Fen.check(described('collected but parked in suspense or written off at reconciliation')),
      allocated: Fen,
      spent: Fen,
    })
    .check(z.meta({ id: 'SeparationRow' }));

  const SeparationCheck = z
    .object({
      name: z.string(),
      ok: z.boolean(),
      result: z.enum(['pass', 'fail']),
      detail: z.string().check(described('what was verified, and what violated it')),
    })
    .check(z.meta({ id: 'SeparationCheck' }));

  const SeparationReport = z
    .object({
      from: BusinessDate,
      to: BusinessDate,
      rows: z.array(SeparationRow),
      checks: z.array(SeparationCheck),
      transactions: z.int(),
    })
    .check(z.meta({ id: 'SeparationReport' }));

  // Any 1-100 characters pass the handler's check (400 otherwise); only ids of this shape (runId in
  // functions/finance/domain/records.ts: RC-<date>-V<version>) can be found, the rest are 404.
  const RunParams = z.strictObject({
    id: z.string().check(z.minLength(1), z.maxLength(100), z.regex(/^RC-\d{8}-V\d{3,}$/)),
  });

  const routes: RouteDocs = {
    'POST /v1/bank-statements': {
      summary:
        'Import the agent bank’s statement CSV (header bankRef,valueDate,amount,channel,noticeNo,windowId; amounts in yuan with two decimals)',
      bodyType: 'text/csv',
      query: StatementQuery,
      response: StatementSummary,
      status: 201,
      problems: ['statement-row-invalid'],
    },
    'POST /v1/reconciliations': {
      summary: 'Run (or re-run) the reconciliation of a business day against statements; each run is a new version',
      body: CreateReconciliation,
      response: Reconciliation,
      status: 201,
      problems: ['statement-unknown', 'day-closed', 'concurrent-update'],
    },
    'GET /v1/reconciliations/{id}': {
      summary: 'A reconciliation run with its differences and resolutions',
      params: RunParams,
      response: Reconciliation,
      problems: ['validation-failed', 'not-found'],
    },
    'POST /v1/reconciliations/{id}/resolutions': {
      summary: 'Record finance’s decision on one difference; suspense and write-off post a balanced adjustment',
      params: RunParams,
      body: CreateResolution,
      response: Resolution,
      status: 201,
      problems: [
        'not-found',
        'difference-unknown',
        'difference-already-resolved',
        'reconciliation-closed',
        'reconciliation-superseded',
        'day-closed',
        'concurrent-update',
      ],
    },
    'POST /v1/reconciliations/{id}/accept': {
      summary:
        'Settle the day’s matched money into the fiscal special account and close the business day (signed Merkle root)',
      headers: [
        idempotencyKeyHeader(
          true,
          ' The key is bound to the run: the same key on another run is 422 idempotency-key-reused.',
        ),
      ],
      params: RunParams,
      body: EmptyBody,
      response: AcceptResult,
      responseHeaders: ['Idempotent-Replayed'],
      problems: [
        'idempotency-key-required',
        'not-found',
        'unresolved-differences',
        'day-not-over',
        'day-closed',
        'reconciliation-superseded',
        'idempotency-key-reused',
        'idempotency-in-progress',
        'concurrent-update',
      ],
    },
    'POST /v1/budget-allocations': {
      summary: 'Allocate budget to a department (expenditure line)',
      body: CreateBudgetAllocation,
      response: BudgetAllocation,
      status: 201,
      problems: ['department-unknown', 'day-closed', 'concurrent-update'],
    },
    'POST /v1/expenditures': {
      summary: 'Record a department’s expenditure against one of its own allocations',
      body: CreateExpenditure,
      response: Expenditure,
      status: 201,
      problems: ['forbidden', 'allocation-unknown', 'allocation-exceeded', 'day-closed', 'concurrent-update'],
    },
    'GET /v1/reports/separation': {
      summary: 'Revenue–expenditure separation (收支两条线) per department and period, with the invariants verified',
      query: SeparationQuery,
      response: SeparationReport,
    },
  };
  return {
    schemas: {
      StatementSummary,
      Resolution,
      Reconciliation,
      AcceptResult,
      BudgetAllocation,
      Expenditure,
      SeparationReport,
    },
    routes,
  };
});
