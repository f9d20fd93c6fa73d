import * as z from 'zod';
import { BusinessDate, Fen, Limit } from './common';
import type { RouteDocs } from './docs';

export const Posting = z.object({ account: z.string(), debit: Fen, credit: Fen }).meta({ id: 'Posting' });

export const LedgerTransaction = z
  .object({
    id: z.string(),
    kind: z.enum(['payment', 'refund', 'settlement', 'adjustment', 'allocation', 'expenditure']),
    ref: z.string(),
    businessDate: BusinessDate,
    postings: z.array(Posting),
    hash: z.string().meta({ description: 'SHA-256 (hex) of the canonical form' }),
    createdAt: z.string(),
  })
  .meta({ id: 'LedgerTransaction' });

export const TrialBalanceQuery = z.strictObject({ asOf: BusinessDate.optional() });
export const TrialBalance = z
  .object({
    asOf: BusinessDate,
    accounts: z.array(
      z.object({
        account: z.string(),
        line: z.enum(['revenue', 'clearing', 'fiscal', 'expenditure', 'suspense']),
        debit: Fen,
        credit: Fen,
        balance: z.number().int().meta({ description: 'debit - credit' }),
      }),
    ),
    totalDebit: Fen,
    totalCredit: Fen,
  })
  .meta({ id: 'TrialBalance' });

export const TransactionsQuery = z.strictObject({
  businessDate: BusinessDate.optional(),
  account: z.string().max(200).optional(),
  limit: Limit.optional(),
  cursor: z.string().max(2048).optional(),
});

export const DayParams = z.strictObject({ date: BusinessDate });

export const DayProof = z
  .object({ date: BusinessDate, root: z.string(), count: z.number().int(), signature: z.string().meta({ description: 'compact JWS over {date, root, count}' }) })
  .meta({ id: 'DayProof' });
export const DayVerification = z
  .object({ ok: z.boolean(), root: z.string(), count: z.number().int(), problems: z.array(z.string()) })
  .meta({ id: 'DayVerification' });

export const ledgerRouteDocs: RouteDocs = {
  'GET /v1/ledger/trial-balance': { summary: 'Trial balance of every account as of a business date', query: TrialBalanceQuery, response: TrialBalance },
  'GET /v1/ledger/transactions': {
    summary: 'Ledger transactions of a business day, optionally those touching one account',
    query: TransactionsQuery,
    response: z.object({ items: z.array(LedgerTransaction), nextCursor: z.string().nullable() }),
  },
  'GET /v1/ledger/days/{date}/proof': { summary: 'The signed Merkle root of a closed day', response: DayProof, problems: ['not-found'] },
  'GET /v1/ledger/days/{date}/verify': { summary: 'Recompute a day’s Merkle root and compare it with the stored proof', response: DayVerification },
};
