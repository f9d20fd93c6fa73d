import type { Clock } from '../shared/domain/clock';
import type { Signer } from '../shared/domain/signing';
import type { StoredDayProof } from './domain/dayProof';
import type { LedgerTransaction } from './domain/ledger';

/** What the ledger's read side needs from storage. The journal is written only inside other contexts' transactions. */
export interface LedgerReader {
  /** Business days that have postings, ascending, up to and including `upTo`. */
  businessDays(upTo?: string): Promise<string[]>;
  /** Every transaction of one business day, ordered by createdAt then id. */
  transactionsOfDay(date: string): Promise<LedgerTransaction[]>;
  findDayProof(date: string): Promise<StoredDayProof | undefined>;
}

export type { Clock, Signer };
