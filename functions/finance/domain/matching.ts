import type { Channel } from '../../../schemas/records';
import type { StatementLine } from './statementCsv';

/**
 * Reconciliation matching (对账) as a hash join: index the day's payments once (build side), then
 * stream the statement lines past the index (probe side). Memory holds the index and the differences
 * found, never the statement: a line is looked at once and dropped.
 *
 * Match keys: card, transfer and online lines match a payment by `<channel>:<bankRef>` (bank
 * references are unique per channel); a cash line is a window's deposit for the day and matches the
 * SUM of that window's cash payments on the business date (`cash:<windowId>`).
 *
 * Every difference is classified, and its itemRef depends only on the data (not on the run), so the
 * same difference has the same itemRef in every re-run:
 * - payment missing in bank   `MB:<key>`    ledger holds money the bank never credited
 * - bank line missing in ledger `ML:<key>`  the bank credited money no payment explains
 * - amount mismatch           `AM:<key>`    both exist, amounts differ
 * - duplicate                 `DU:<key>:<n>` the n-th (n ≥ 2) bank line with a key already seen
 */
export interface PaymentForMatching {
  paymentId: string;
  channel: Channel;
  amount: number;
  bankRef: string | null;
  windowId: string | null;
}

export type DifferenceKind =
  | 'payment-missing-in-bank'
  | 'bank-line-missing-in-ledger'
  | 'amount-mismatch'
  | 'duplicate';

export interface Difference {
  itemRef: string;
  kind: DifferenceKind;
  channel: Channel;
  bankRef?: string;
  windowId?: string;
  paymentId?: string;
  /** What the ledger holds, fen. */
  expected?: number;
  /** What the bank credited, fen. */
  actual?: number;
  statementId?: string;
  row?: number;
}

export interface MatchResult {
  /** Payments matched exactly (a matched cash deposit counts each of the window's payments). */
  matchedCount: number;
  matchedAmount: number;
  /** Exactly matched money per channel: what the settlement moves from clearing to the fiscal account. */
  matchedByChannel: Partial<Record<Channel, number>>;
  paymentsMissingInBank: Difference[];
  bankLinesMissingInLedger: Difference[];
  amountMismatches: Difference[];
  duplicates: Difference[];
}

export const paymentKey = (p: PaymentForMatching): string =>
  p.channel === 'cash' ? `cash:${p.windowId ?? ''}` : `${p.channel}:${p.bankRef ?? `(none ${p.paymentId})`}`;

export const lineKey = (l: Pick<StatementLine, 'channel' | 'bankRef' | 'windowId'>): string =>
  l.channel === 'cash' ? `cash:${l.windowId ?? ''}` : `${l.channel}:${l.bankRef ?? ''}`;

const channelOfKey = (key: string) => key.slice(0, key.indexOf(':')) as Channel;

/** Build side: one slot per match key, in parallel arrays (no object per payment). */
export class PaymentIndex {
  private readonly slots = new Map<string, number>();
  readonly expected: number[] = [];
  /** Payments behind a cash slot (a window aggregates many); every other slot is one payment. */
  private readonly cashCounts = new Map<number, number>();
  /** The payment id when the slot is one payment (card, transfer, online). */
  readonly paymentIds: (string | undefined)[] = [];

  add(p: PaymentForMatching): void {
    let key = paymentKey(p);
    let slot = this.slots.get(key);
    // A bank reference is unique per channel, so two payments on one non-cash key are a data error:
    // keep them apart so both stay visible.
    if (slot !== undefined && p.channel !== 'cash') {
      key = `${key}#${p.paymentId}`;
      slot = undefined;
    }
    if (slot === undefined) {
      slot = this.expected.length;
      this.slots.set(key, slot);
      this.expected.push(p.amount);
      this.paymentIds.push(p.channel === 'cash' ? undefined : p.paymentId);
      if (p.channel === 'cash') this.cashCounts.set(slot, 1);
      return;
    }
    this.expected[slot]! += p.amount;
    this.cashCounts.set(slot, this.cashCounts.get(slot)! + 1);
  }

  paymentsIn(slot: number): number {
    return this.cashCounts.get(slot) ?? 1;
  }

  slotOf(key: string): number | undefined {
    return this.slots.get(key);
  }
  /** Every key with its slot, in insertion order. */
  entries(): IterableIterator<[string, number]> {
    return this.slots.entries();
  }
  get size(): number {
    return this.expected.length;
  }
}

/** Where a difference's line came from (built only for differences). */
const where = (line: StatementLine, statementId?: string) => ({
  ...(statementId ? { statementId } : {}),
  row: line.row,
  ...(line.bankRef ? { bankRef: line.bankRef } : {}),
  ...(line.windowId ? { windowId: line.windowId } : {}),
});

/** Probe side: feed statement lines one at a time, then `finish()`. */
export class Reconciler {
  private readonly seen: Uint32Array;
  /** Keys of lines with no payment, and how often each was seen (grows only with differences). */
  private readonly unknownSeen = new Map<string, number>();
  private readonly result: MatchResult = {
    matchedCount: 0,
    matchedAmount: 0,
    matchedByChannel: {},
    paymentsMissingInBank: [],
    bankLinesMissingInLedger: [],
    amountMismatches: [],
    duplicates: [],
  };

  constructor(private readonly index: PaymentIndex) {
    this.seen = new Uint32Array(index.size);
  }

  /** Matched money per channel, in fields rather than a keyed object: this is the hot path. */
  private matchedCash = 0;
  private matchedCard = 0;
  private matchedTransfer = 0;
  private matchedOnline = 0;

  add(line: StatementLine, statementId?: string): void {
    const key = line.channel === 'cash' ? `cash:${line.windowId ?? ''}` : `${line.channel}:${line.bankRef ?? ''}`;
    const slot = this.index.slotOf(key);
    if (slot === undefined) {
      this.unknownLine(key, line, statementId);
      return;
    }
    const n = ++this.seen[slot]!;
    const expected = this.index.expected[slot]!;
    if (n === 1 && expected === line.amount) {
      this.result.matchedCount += line.channel === 'cash' ? this.index.paymentsIn(slot) : 1;
      this.result.matchedAmount += expected;
      if (line.channel === 'card') this.matchedCard += expected;
      else if (line.channel === 'transfer') this.matchedTransfer += expected;
      else if (line.channel === 'online') this.matchedOnline += expected;
      else this.matchedCash += expected;
      return;
    }
    const paymentId = this.index.paymentIds[slot];
    if (n > 1)
      this.result.duplicates.push({
        itemRef: `DU:${key}:${n}`,
        kind: 'duplicate',
        channel: line.channel,
        actual: line.amount,
        ...(paymentId ? { paymentId } : {}),
        ...where(line, statementId),
      });
    else
      this.result.amountMismatches.push({
        itemRef: `AM:${key}`,
        kind: 'amount-mismatch',
        channel: line.channel,
        expected,
        actual: line.amount,
        ...(paymentId ? { paymentId } : {}),
        ...where(line, statementId),
      });
  }

  private unknownLine(key: string, line: StatementLine, statementId?: string): void {
    const n = (this.unknownSeen.get(key) ?? 0) + 1;
    this.unknownSeen.set(key, n);
    if (n === 1)
      this.result.bankLinesMissingInLedger.push({
        itemRef: `ML:${key}`,
        kind: 'bank-line-missing-in-ledger',
        channel: line.channel,
        actual: line.amount,
        ...where(line, statementId),
      });
    else
      this.result.duplicates.push({
        itemRef: `DU:${key}:${n}`,
        kind: 'duplicate',
        channel: line.channel,
        actual: line.amount,
        ...where(line, statementId),
      });
  }

  finish(): MatchResult {
    const byChannel: [Channel, number][] = [
      ['cash', this.matchedCash],
      ['card', this.matchedCard],
      ['transfer', this.matchedTransfer],
      ['online', this.matchedOnline],
    ];
    for (const [channel, amount] of byChannel) if (amount) this.result.matchedByChannel[channel] = amount;
    for (const [key, slot] of this.index.entries()) {
      if (this.seen[slot] !== 0) continue;
      const paymentId = this.index.paymentIds[slot];
      const channel = channelOfKey(key);
      const bankRef = channel === 'cash' ? undefined : key.slice(channel.length + 1).split('#')[0];
      this.result.paymentsMissingInBank.push({
        itemRef: `MB:${key}`,
        kind: 'payment-missing-in-bank',
        channel,
        expected: this.index.expected[slot]!,
        ...(paymentId ? { paymentId } : {}),
        ...(bankRef ? { bankRef } : {}),
        ...(channel === 'cash' ? { windowId: key.slice('cash:'.length) } : {}),
      });
    }
    return this.result;
  }
}

type Source<T> = AsyncIterable<T> | Iterable<T>;
const isSync = <T>(x: Source<T>): x is Iterable<T> => typeof (x as Iterable<T>)[Symbol.iterator] === 'function';

/**
 * The whole join: the shape the use case, the CLI and the benchmark share. Statement lines come one
 * by one or in chunks (arrays), synchronously or not; a synchronous source is read without an
 * await per line, and an asynchronous one should yield chunks for the same reason.
 */
export async function matchDay(
  payments: Source<PaymentForMatching>,
  statements: { statementId?: string; lines: Source<StatementLine | StatementLine[]> }[],
): Promise<MatchResult> {
  const index = new PaymentIndex();
  if (isSync(payments)) for (const p of payments) index.add(p);
  else for await (const p of payments) index.add(p);
  const reconciler = new Reconciler(index);
  for (const s of statements) {
    const feed = (x: StatementLine | StatementLine[]) => {
      if (Array.isArray(x)) for (const l of x) reconciler.add(l, s.statementId);
      else reconciler.add(x, s.statementId);
    };
    if (isSync(s.lines)) for (const x of s.lines) feed(x);
    else for await (const x of s.lines) feed(x);
  }
  return reconciler.finish();
}

export const allDifferences = (
  r: Pick<MatchResult, 'paymentsMissingInBank' | 'bankLinesMissingInLedger' | 'amountMismatches' | 'duplicates'>,
): Difference[] => [...r.paymentsMissingInBank, ...r.bankLinesMissingInLedger, ...r.amountMismatches, ...r.duplicates];
