import { fenToYuan, STATEMENT_HEADER } from '../../../functions/finance/domain/statementCsv';
import { accounts, buildTransaction, type LedgerTransaction } from '../../../functions/ledger/domain/ledger';
import type { Channel, PaymentRecord } from '../../../schemas/records';

/**
 * Builders for a business day of payments and the bank statement that should match it: shared by
 * the finance unit, integration and API tests and the reconcile benchmark. Payment records and
 * their ledger transactions have the shapes the payments context writes (schemas/records.ts;
 * payment = debit clearing of the channel, credit revenue per department and fee item).
 */
export interface PaymentSpec {
  paymentId: string;
  channel: Channel;
  amount: number;
  bankRef?: string | null;
  windowId?: string | null;
  /** Split of the amount over departments; default: all to D01. */
  lines?: { departmentId: string; feeCode: string; amount: number }[];
}

export function paymentRecord(date: string, s: PaymentSpec): PaymentRecord {
  const lines = s.lines ?? [{ departmentId: 'D01', feeCode: 'FEE-A', amount: s.amount }];
  return {
    recordType: 'payment',
    paymentId: s.paymentId,
    noticeNos: lines.map((_, i) => `N${s.paymentId}-${i}`),
    channel: s.channel,
    amount: s.amount,
    bankRef: s.channel === 'cash' ? null : (s.bankRef ?? `BR${s.paymentId}`),
    windowId: s.channel === 'online' ? null : (s.windowId ?? 'W01'),
    paidAt: `${date}T02:00:00.000Z`,
    businessDate: date,
    receiptNo: `R${s.paymentId}`,
    lines: lines.map((l, i) => ({
      noticeNo: `N${s.paymentId}-${i}`,
      departmentId: l.departmentId,
      feeCode: l.feeCode,
      feeVersion: 1,
      quantity: 1,
      amount: l.amount,
      noticeIssuedAt: `${date}T01:00:00.000Z`,
    })),
  };
}

export function paymentTransaction(p: PaymentRecord): LedgerTransaction {
  return buildTransaction({
    id: `pay-${p.paymentId}`,
    kind: 'payment',
    ref: p.paymentId,
    businessDate: p.businessDate,
    createdAt: p.paidAt,
    postings: [
      { account: accounts.clearing(p.channel), debit: p.amount, credit: 0 },
      ...p.lines.map((l) => ({ account: accounts.revenue(l.departmentId, l.feeCode), debit: 0, credit: l.amount })),
    ],
  });
}

export function refundTransaction(
  p: PaymentRecord,
  refundId: string,
  amount: number,
  businessDate: string,
): LedgerTransaction {
  const l = p.lines[0]!;
  return buildTransaction({
    id: `refund-${refundId}`,
    kind: 'refund',
    ref: refundId,
    businessDate,
    createdAt: `${businessDate}T03:00:00.000Z`,
    postings: [
      { account: accounts.revenue(l.departmentId, l.feeCode), debit: amount, credit: 0 },
      { account: accounts.clearing(p.channel), debit: 0, credit: amount },
    ],
  });
}

export interface StatementRow {
  bankRef: string | null;
  valueDate: string;
  amount: number;
  channel: Channel;
  noticeNo?: string | null;
  windowId?: string | null;
}

/** The statement the bank should send for these payments: one line per non-cash payment, one deposit per cash window. */
export function matchingStatementRows(date: string, payments: readonly PaymentRecord[]): StatementRow[] {
  const rows: StatementRow[] = [];
  const cash = new Map<string, number>();
  for (const p of payments) {
    if (p.channel === 'cash') cash.set(p.windowId!, (cash.get(p.windowId!) ?? 0) + p.amount);
    else
      rows.push({
        bankRef: p.bankRef,
        valueDate: date,
        amount: p.amount,
        channel: p.channel,
        noticeNo: p.noticeNos[0] ?? null,
        windowId: p.windowId,
      });
  }
  for (const [windowId, amount] of cash)
    rows.push({ bankRef: `DEP-${windowId}`, valueDate: date, amount, channel: 'cash', windowId });
  return rows;
}

export const csvRow = (r: StatementRow) =>
  [r.bankRef ?? '', r.valueDate, fenToYuan(r.amount), r.channel, r.noticeNo ?? '', r.windowId ?? ''].join(',');

export function statementCsv(rows: readonly StatementRow[], opts: { bom?: boolean; crlf?: boolean } = {}): string {
  const eol = opts.crlf ? '\r\n' : '\n';
  return (opts.bom ? '\uFEFF' : '') + [STATEMENT_HEADER.join(','), ...rows.map(csvRow)].join(eol) + eol;
}

/**
 * A past business date unlikely to be used by any other test of the run (tests share one database,
 * and a closed day stays closed): a random day in 1900-2009, stepping on for each call.
 */
let next = Math.floor(Math.random() * 35_000);
export function uniqueDate(): string {
  next = (next + 1 + Math.floor(Math.random() * 5)) % 40_000;
  return new Date(Date.UTC(1900, 0, 1) + next * 86_400_000).toISOString().slice(0, 10);
}
