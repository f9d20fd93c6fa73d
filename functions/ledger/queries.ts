import { today } from '../shared/clock';
import { trialBalance, type LedgerTransaction } from '../shared/ledger';
import { businessDays, transactionsOfDay } from '../shared/ledgerStore';

/** Read side of the journal: trial balance and day listings. Nothing here writes. */

/** Sums every posting of every business day up to and including `asOf`; totals always balance. */
export async function trialBalanceAsOf(asOf = today()) {
  const days = await businessDays(asOf);
  const txs: LedgerTransaction[] = [];
  for (const day of days) txs.push(...(await transactionsOfDay(day)));
  return { asOf, ...trialBalance(txs) };
}

/**
 * One day's transactions (optionally those touching `account`), paged by keyset: the cursor is the
 * (createdAt, id) of the last item returned.
 */
export async function transactionsPage(opts: { businessDate?: string; account?: string; limit?: number; after?: { createdAt: string; id: string } }) {
  const limit = opts.limit ?? 50;
  let txs = await transactionsOfDay(opts.businessDate ?? today());
  if (opts.account) txs = txs.filter((t) => t.postings.some((p) => p.account === opts.account));
  const after = opts.after;
  if (after) txs = txs.filter((t) => t.createdAt > after.createdAt || (t.createdAt === after.createdAt && t.id > after.id));
  const items = txs.slice(0, limit);
  const last = items.at(-1);
  return { items, next: txs.length > limit && last ? { createdAt: last.createdAt, id: last.id } : undefined };
}
