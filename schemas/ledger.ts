import * as z from 'zod/mini';
import { BusinessDate, Cursor, Fen, Limit } from './common';
import { lazily, type RouteDocs } from './docs';

export const TrialBalanceQuery = z.strictObject({ asOf: z.optional(BusinessDate) });

export const TransactionsQuery = z.strictObject({
  businessDate: z.optional(BusinessDate),
  account: z.optional(z.string().check(z.maxLength(200))),
  limit: z.optional(Limit),
  cursor: z.optional(Cursor),
});

export const DayParams = z.strictObject({ date: BusinessDate });

/** A closed day's signed Merkle root; built on first use (responses are documented, not validated). */
export const DayProof = lazily(() =>
  z
    .object({
      date: BusinessDate,
      root: z.string(),
      count: z.int(),
      signature: z.string().check(
        z.meta({
          description:
            'compact JWS (typ day-proof+jwt) over {date, root, count}; verify it against GET /v1/ledger/jwks.json',
        }),
      ),
    })
    .check(z.meta({ id: 'DayProof' })),
);

/** Response shapes and the route docs: built on first use (OpenAPI document, tests), not at cold start. */
export const ledgerDocs = lazily(() => {
  const Posting = z.object({ account: z.string(), debit: Fen, credit: Fen }).check(z.meta({ id: 'Posting' }));
  const LedgerTransaction = z
    .object({
      id: z.string(),
      kind: z.enum(['payment', 'refund', 'settlement', 'adjustment', 'allocation', 'expenditure']),
      ref: z.string(),
      businessDate: BusinessDate,
      postings: z.array(Posting),
      hash: z.string().check(z.meta({ description: 'SHA-256 (hex) of the canonical form' })),
      createdAt: z.string(),
    })
    .check(z.meta({ id: 'LedgerTransaction' }));
  const TrialBalance = z
    .object({
      asOf: BusinessDate,
      accounts: z.array(
        z.object({
          account: z.string(),
          line: z.enum(['revenue', 'clearing', 'fiscal', 'expenditure', 'suspense']),
          debit: Fen,
          credit: Fen,
          balance: z.int().check(z.meta({ description: 'debit - credit' })),
        }),
      ),
      totalDebit: Fen,
      totalCredit: Fen,
    })
    .check(z.meta({ id: 'TrialBalance' }));
  const DayVerification = z
    .object({ ok: z.boolean(), root: z.string(), count: z.int(), problems: z.array(z.string()) })
    .check(z.meta({ id: 'DayVerification' }));
  const routes: RouteDocs = {
    'GET /v1/ledger/trial-balance': {
      summary: 'Trial balance of every account as of a business date',
      query: TrialBalanceQuery,
      response: TrialBalance,
    },
    'GET /v1/ledger/transactions': {
      summary: 'Ledger transactions of a business day, optionally those touching one account',
      query: TransactionsQuery,
      response: z.object({ items: z.array(LedgerTransaction), nextCursor: z.nullable(z.string()) }),
    },
    'GET /v1/ledger/days/{date}/proof': {
      summary: 'The signed Merkle root of a closed day (404 while the day is not closed)',
      params: DayParams,
      response: DayProof(),
      problems: ['validation-failed', 'not-found'],
    },
    'GET /v1/ledger/days/{date}/verify': {
      summary:
        'Recompute a closed day’s Merkle root and compare it with the stored proof (404 while the day is not closed)',
      params: DayParams,
      response: DayVerification,
      problems: ['validation-failed', 'not-found'],
    },
    'GET /v1/ledger/jwks.json': {
      summary: 'The public keys that sign day proofs (JWS typ day-proof+jwt); receipts have keys of their own',
      response: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }),
    },
  };
  return { schemas: { LedgerTransaction, TrialBalance, DayVerification }, routes };
});
