import { DomainError } from '../../shared/domain/errors';
import type { Clock, LedgerReader, Signer } from '../ports';
import { checkDay, type DayVerdict, type StoredDayProof } from './dayProof';
import { trialBalance, type LedgerTransaction } from './ledger';

/** Read side of the journal: trial balance, day listings and day proofs. Nothing here writes. */
export class LedgerQueries {
  constructor(
    private readonly reader: LedgerReader,
    private readonly keys: Pick<Signer, 'jwks'>,
    private readonly clock: Clock,
  ) {}

  /** Sums every posting of every business day up to and including `asOf`; totals always balance. */
  async trialBalanceAsOf(asOf = this.clock.today()) {
    const days = await this.reader.businessDays(asOf);
    const txs: LedgerTransaction[] = [];
    for (const day of days) txs.push(...(await this.reader.transactionsOfDay(day)));
    return { asOf, ...trialBalance(txs) };
  }

  /**
   * One day's transactions (optionally those touching `account`), paged by keyset: the cursor is the
   * (createdAt, id) of the last item returned.
   */
  async transactionsPage(opts: {
    businessDate?: string;
    account?: string;
    limit?: number;
    after?: { createdAt: string; id: string };
  }) {
    const limit = opts.limit ?? 50;
    let txs = await this.reader.transactionsOfDay(opts.businessDate ?? this.clock.today());
    if (opts.account) txs = txs.filter((t) => t.postings.some((p) => p.account === opts.account));
    const after = opts.after;
    if (after)
      txs = txs.filter((t) => t.createdAt > after.createdAt || (t.createdAt === after.createdAt && t.id > after.id));
    const items = txs.slice(0, limit);
    const last = items.at(-1);
    return { items, next: txs.length > limit && last ? { createdAt: last.createdAt, id: last.id } : undefined };
  }

  async dayProof(date: string): Promise<StoredDayProof> {
    const proof = await this.reader.findDayProof(date);
    if (!proof) throw new DomainError('not-found', 'The business day has no proof (it is not closed)');
    return proof;
  }

  /**
   * The public keys that sign day proofs, for anyone to check a proof offline. A key set of its own:
   * receipts are signed by another key (published at /v1/.well-known/jwks.json), so a verifier holding
   * either set cannot take one kind for the other.
   */
  dayProofKeys() {
    return this.keys.jwks();
  }

  /** Recomputes the day from what is stored now and checks it against the signed proof. */
  async verifyDay(date: string): Promise<DayVerdict> {
    const proof = await this.dayProof(date);
    return checkDay(proof, await this.reader.transactionsOfDay(date), await this.keys.jwks());
  }
}
