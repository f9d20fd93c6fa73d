import type { PaymentForMatching } from '../../functions/finance/domain/matching';
import { fenToYuan, STATEMENT_HEADER, type StatementLine } from '../../functions/finance/domain/statementCsv';
import type { Channel } from '../../schemas/records';

/**
 * A generated business day for the reconcile benchmark, deterministic and streamed: payments and
 * statement lines come from generators, so neither side is ever held in memory by the generator.
 *
 * Shape for `payments` P: P − CASH non-cash payments (card / transfer / online, one bank line each)
 * and CASH cash payments over WINDOWS windows (one deposit line per window). The statement has the
 * injected differences below, then enough extra lines to make exactly `lines` lines when asked for
 * the full statement; a shorter `lines` is a prefix of it.
 */
export const CASH = 200;
export const WINDOWS = 10;
export const INJECT = { missing: 100, changed: 100, duplicated: 100 } as const;
const NON_CASH: Channel[] = ['card', 'transfer', 'online'];

/** A small fast PRNG (mulberry32), so runs and processes generate the same day. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const amountOf = (i: number) => 100 + ((i * 7919) % 500_000);

export function paymentOf(i: number, payments: number): PaymentForMatching {
  const cash = i >= payments - CASH;
  return cash
    ? { paymentId: `P${i}`, channel: 'cash', amount: amountOf(i), bankRef: null, windowId: `W${i % WINDOWS}` }
    : {
        paymentId: `P${i}`,
        channel: NON_CASH[i % 3]!,
        amount: amountOf(i),
        bankRef: `B${i.toString(36).toUpperCase()}`,
        windowId: null,
      };
}

export function* generatePayments(payments: number): Generator<PaymentForMatching> {
  for (let i = 0; i < payments; i++) yield paymentOf(i, payments);
}

/** Which non-cash payments the statement disturbs: spread over the day by a fixed PRNG. */
function disturbed(payments: number) {
  const rnd = prng(42);
  const nonCash = payments - CASH;
  const pick = new Map<number, 'missing' | 'changed' | 'duplicated'>();
  for (const kind of ['missing', 'changed', 'duplicated'] as const)
    for (let n = 0; n < Math.min(INJECT[kind], Math.floor(nonCash / 10)); ) {
      const i = Math.floor(rnd() * nonCash);
      if (pick.has(i)) continue;
      pick.set(i, kind);
      n++;
    }
  return pick;
}

export interface DayShape {
  payments: number;
  /** Total statement lines; defaults to the natural length (one per non-cash payment + deposits + differences). */
  lines?: number;
}

/** The expected differences of the full statement, for checking a matcher's answer. */
export function expectedDifferences(shape: Required<DayShape>) {
  const pick = disturbed(shape.payments);
  const count = (k: string) => [...pick.values()].filter((v) => v === k).length;
  const natural = shape.payments - CASH - count('missing') + count('duplicated') + WINDOWS;
  return {
    paymentsMissingInBank: count('missing'),
    amountMismatches: count('changed') + 1, // + window 0's deposit, one fen short
    duplicates: count('duplicated'),
    bankLinesMissingInLedger: Math.max(0, shape.lines - natural),
  };
}

export function naturalLines(payments: number): number {
  const pick = disturbed(payments);
  const count = (k: string) => [...pick.values()].filter((v) => v === k).length;
  return payments - CASH - count('missing') + count('duplicated') + WINDOWS;
}

/** Statement lines in bank order: non-cash lines (with injected differences), cash deposits, then extra lines. */
export function* generateStatement(shape: DayShape): Generator<StatementLine> {
  const total = shape.lines ?? naturalLines(shape.payments);
  const pick = disturbed(shape.payments);
  const valueDate = '2026-03-01';
  let row = 1;
  const emit = (l: Omit<StatementLine, 'row' | 'valueDate' | 'noticeNo'>): StatementLine => ({
    row: ++row,
    valueDate,
    noticeNo: null,
    ...l,
  });
  for (let i = 0; i < shape.payments - CASH; i++) {
    if (row - 1 >= total) return;
    const p = paymentOf(i, shape.payments);
    const kind = pick.get(i);
    if (kind === 'missing') continue;
    yield emit({
      bankRef: p.bankRef,
      amount: kind === 'changed' ? p.amount + 1 : p.amount,
      channel: p.channel,
      windowId: null,
    });
    if (kind === 'duplicated' && row - 1 < total)
      yield emit({ bankRef: p.bankRef, amount: p.amount, channel: p.channel, windowId: null });
  }
  const deposits = new Map<string, number>();
  for (let i = shape.payments - CASH; i < shape.payments; i++) {
    const p = paymentOf(i, shape.payments);
    deposits.set(p.windowId!, (deposits.get(p.windowId!) ?? 0) + p.amount);
  }
  for (const [windowId, amount] of deposits) {
    if (row - 1 >= total) return;
    yield emit({
      bankRef: `DEP${windowId}`,
      amount: windowId === 'W0' ? amount - 1 : amount,
      channel: 'cash',
      windowId,
    });
  }
  for (let x = 0; row - 1 < total; x++)
    yield emit({ bankRef: `X${x}`, amount: 100 + (x % 1000), channel: 'transfer', windowId: null });
}

export const csvLine = (l: StatementLine) =>
  `${l.bankRef ?? ''},${l.valueDate},${fenToYuan(l.amount)},${l.channel},${l.noticeNo ?? ''},${l.windowId ?? ''}`;

export function* generateCsvLines(shape: DayShape): Generator<string> {
  yield STATEMENT_HEADER.join(',');
  for (const l of generateStatement(shape)) yield csvLine(l);
}
