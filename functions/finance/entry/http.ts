import {
  CreateBudgetAllocation,
  CreateExpenditure,
  CreateReconciliation,
  CreateResolution,
  ReconciliationParams,
  SeparationQuery,
  StatementQuery,
} from '../../../schemas/finance';
import { EmptyBody } from '../../../schemas/common';
import { DomainError } from '../../shared/domain/errors';
import { httpHandler } from '../../shared/adapters/http';
import { parseIdempotencyKey } from '../../shared/domain/idempotency';
import { parseWith } from '../../shared/domain/validate';
import { financeContext, systemClock } from '../wiring';
import { importStatement, linesOf } from '../domain/statement';

/** Statements above this travel through S3 (statementImport.ts) or `npm run reconcile`. */
export const MAX_INLINE_STATEMENT_BYTES = 5 * 1024 * 1024;

const finance = financeContext();

export const handler = httpHandler('finance', {
  'POST /v1/bank-statements': async (req) => {
    const { date } = parseWith(StatementQuery, req.query);
    const text = typeof req.body === 'string' ? req.body : '';
    if (Buffer.byteLength(text, 'utf8') > MAX_INLINE_STATEMENT_BYTES)
      throw new DomainError('payload-too-large', 'Statements above 5 MB go through the S3 upload (statements/<date>/<name>.csv)');
    const header = await importStatement(linesOf(text), { date, source: 'api', importedBy: req.principal.sub, importedAt: systemClock.now().toISOString() }, finance.store);
    return { status: 201, body: { statementId: header.statementId, date: header.date, lines: header.lines, total: header.total } };
  },
  'POST /v1/reconciliations': async (req) => ({ status: 201, body: await finance.reconciliations.run(parseWith(CreateReconciliation, req.body), req.principal) }),
  'GET /v1/reconciliations/{id}': async (req) => ({ status: 200, body: await finance.reconciliations.get(parseWith(ReconciliationParams, req.params).id) }),
  'POST /v1/reconciliations/{id}/resolutions': async (req) => ({
    status: 201,
    body: await finance.reconciliations.resolve(parseWith(ReconciliationParams, req.params).id, parseWith(CreateResolution, req.body), req.principal),
  }),
  'POST /v1/reconciliations/{id}/accept': async (req) => {
    // Accept is idempotent by construction (every step is keyed by the day), so an Idempotency-Key
    // is optional here: when sent, it is checked and a repeated accept says it was replayed.
    const key = req.headers['idempotency-key'];
    if (key !== undefined) parseIdempotencyKey(key);
    parseWith(EmptyBody, req.body);
    const { replayed, ...result } = await finance.reconciliations.accept(parseWith(ReconciliationParams, req.params).id, req.principal);
    return { status: 200, body: result, headers: replayed && key !== undefined ? { 'idempotent-replayed': 'true' } : undefined };
  },
  'POST /v1/budget-allocations': async (req) => ({ status: 201, body: await finance.budget.allocate(parseWith(CreateBudgetAllocation, req.body), req.principal) }),
  'POST /v1/expenditures': async (req) => ({ status: 201, body: await finance.budget.spend(parseWith(CreateExpenditure, req.body), req.principal) }),
  'GET /v1/reports/separation': async (req) => ({ status: 200, body: await finance.reports.report(parseWith(SeparationQuery, req.query)) }),
});
