import { EmptyBody } from '../../../schemas/common';
import {
  CreateBudgetAllocation,
  CreateExpenditure,
  CreateReconciliation,
  CreateResolution,
  ReconciliationParams,
  SeparationQuery,
  StatementQuery,
} from '../../../schemas/finance';
import { httpHandler, MAX_INLINE_STATEMENT_BYTES } from '../../shared/adapters/http';
import { DomainError } from '../../shared/domain/errors';
import { parseIdempotencyKey } from '../../shared/domain/idempotency';
import { parseWith } from '../../shared/domain/validate';
import { financeContext } from '../wiring';

const finance = financeContext();

/** Statements above the inline limit travel through S3 (entry/s3.ts) or `npm run reconcile`. */
const TOO_LARGE = `Statements above ${MAX_INLINE_STATEMENT_BYTES / (1024 * 1024)} MB go through the S3 upload (statements/<date>/<name>.csv)`;

export const handler = httpHandler('finance', {
  'POST /v1/bank-statements': async (req) => {
    const { date } = parseWith(StatementQuery, req.query);
    const text = typeof req.body === 'string' ? req.body : '';
    if (Buffer.byteLength(text, 'utf8') > MAX_INLINE_STATEMENT_BYTES)
      throw new DomainError('payload-too-large', TOO_LARGE);
    const header = await finance.statementImports.fromText(text, { date, importedBy: req.principal.sub });
    return {
      status: 201,
      body: { statementId: header.statementId, date: header.date, lines: header.lines, total: header.total },
    };
  },
  'POST /v1/reconciliations': async (req) => ({
    status: 201,
    body: await finance.reconciliations.run(parseWith(CreateReconciliation, req.body), req.principal),
  }),
  'GET /v1/reconciliations/{id}': async (req) => ({
    status: 200,
    body: await finance.reconciliations.get(parseWith(ReconciliationParams, req.params).id),
  }),
  'POST /v1/reconciliations/{id}/resolutions': async (req) => ({
    status: 201,
    body: await finance.reconciliations.resolve(
      parseWith(ReconciliationParams, req.params).id,
      parseWith(CreateResolution, req.body),
      req.principal,
    ),
  }),
  'POST /v1/reconciliations/{id}/accept': async (req) => {
    const key = parseIdempotencyKey(req.headers['idempotency-key']);
    parseWith(EmptyBody, req.body);
    const id = parseWith(ReconciliationParams, req.params).id;
    const r = await finance.acceptances.accept(id, req.principal, key);
    return { status: r.status, body: r.body, headers: r.replayed ? { 'idempotent-replayed': 'true' } : undefined };
  },
  'POST /v1/budget-allocations': async (req) => ({
    status: 201,
    body: await finance.budget.allocate(parseWith(CreateBudgetAllocation, req.body), req.principal),
  }),
  'POST /v1/expenditures': async (req) => ({
    status: 201,
    body: await finance.budget.spend(parseWith(CreateExpenditure, req.body), req.principal),
  }),
  'GET /v1/reports/separation': async (req) => ({
    status: 200,
    body: await finance.reports.report(parseWith(SeparationQuery, req.query)),
  }),
});
