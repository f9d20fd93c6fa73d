import { DayParams, TransactionsQuery, TrialBalanceQuery } from '../../../schemas/ledger';
import { decodeCursor, encodeCursor, httpHandler, listCursors } from '../../shared/adapters/http';
import { parseWith } from '../../shared/domain/validate';
import { ledgerContext } from '../wiring';

const { queries, cursors } = ledgerContext();

export const handler = httpHandler('ledger', {
  'GET /v1/ledger/trial-balance': async (req) => ({
    status: 200,
    body: await queries.trialBalanceAsOf(parseWith(TrialBalanceQuery, req.query).asOf),
  }),
  'GET /v1/ledger/transactions': async (req) => {
    const q = parseWith(TransactionsQuery, req.query);
    const c = listCursors(req, cursors);
    const after = decodeCursor(c.open(q.cursor)) as { createdAt: string; id: string } | undefined;
    const page = await queries.transactionsPage({
      businessDate: q.businessDate,
      account: q.account,
      limit: q.limit,
      after,
    });
    return { status: 200, body: { items: page.items, nextCursor: c.seal(encodeCursor(page.next)) } };
  },
  'GET /v1/ledger/days/{date}/proof': async (req) => ({
    status: 200,
    body: await queries.dayProof(parseWith(DayParams, req.params).date),
  }),
  'GET /v1/ledger/days/{date}/verify': async (req) => ({
    status: 200,
    body: await queries.verifyDay(parseWith(DayParams, req.params).date),
  }),
  'GET /v1/ledger/jwks.json': async () => ({
    status: 200,
    body: await queries.dayProofKeys(),
    headers: { 'cache-control': 'public, max-age=300' },
  }),
});
