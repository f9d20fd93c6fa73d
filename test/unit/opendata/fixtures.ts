import type { Channel, PaymentRecord, RefundRecord } from '../../../schemas/records';
import { CHANNELS } from '../../../schemas/records';

/**
 * Synthetic PII-free payment and refund records for the open-data tests and benchmark: a small
 * deterministic PRNG, so a failing seed can be replayed.
 */
export function prng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

export interface Universe {
  departments: string[];
  /** Fee codes per department with their fixed standard in fen. */
  fees: Map<string, { code: string; amount: number }[]>;
  /** Business months, e.g. ['2025-01', '2025-02']. */
  months: string[];
}

export function universe(opts: { departments: number; feesPerDepartment: number; months: string[] }): Universe {
  const departments = Array.from({ length: opts.departments }, (_, i) => `D${String(i + 1).padStart(2, '0')}`);
  const fees = new Map(
    departments.map((d, i) => [
      d,
      Array.from({ length: opts.feesPerDepartment }, (_, j) => ({
        code: `F${i + 1}-${j + 1}`,
        amount: 1000 * (j + 1) + 50 * i,
      })),
    ]),
  );
  return { departments, fees, months: opts.months };
}

/** A payment of 1–2 notices (1–2 fee lines each), paid 0–300 hours after issue, at a random time of a random month. */
export function syntheticPayment(
  u: Universe,
  n: number,
  rand: () => number,
  extra: Partial<PaymentRecord> = {},
): PaymentRecord {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const month = pick(u.months);
  const day = 1 + Math.floor(rand() * 28);
  // Noon-ish Shanghai time so the business date is the calendar date.
  const paidAt = new Date(
    `${month}-${String(day).padStart(2, '0')}T${String(1 + Math.floor(rand() * 10)).padStart(2, '0')}:${String(Math.floor(rand() * 60)).padStart(2, '0')}:00.000Z`,
  ).toISOString();
  const notices = rand() < 0.8 ? 1 : 2;
  const lines: PaymentRecord['lines'] = [];
  for (let i = 0; i < notices; i++) {
    const dept = pick(u.departments);
    const noticeNo = `N${n}-${i}`;
    const issuedAt = new Date(Date.parse(paidAt) - Math.floor(rand() * 300 * 3_600_000)).toISOString();
    const feeLines = rand() < 0.85 ? 1 : 2;
    for (let j = 0; j < feeLines; j++) {
      const fee = pick(u.fees.get(dept)!);
      lines.push({
        noticeNo,
        departmentId: dept,
        feeCode: fee.code,
        feeVersion: 1,
        quantity: 1,
        amount: fee.amount,
        noticeIssuedAt: issuedAt,
      });
    }
  }
  const channel: Channel = pick(CHANNELS);
  return {
    recordType: 'payment',
    paymentId: `P${n}`,
    noticeNos: [...new Set(lines.map((l) => l.noticeNo))],
    channel,
    amount: lines.reduce((s, l) => s + l.amount, 0),
    bankRef: channel === 'cash' ? null : `B${n}`,
    windowId: channel === 'online' ? null : 'W01',
    paidAt,
    businessDate: paidAt.slice(0, 10),
    receiptNo: `R${n}`,
    lines,
    ...extra,
  };
}

/** A refund of the payment's first line, a few days after the payment. */
export function syntheticRefund(p: PaymentRecord, n: number): RefundRecord {
  const l = p.lines[0]!;
  const refundedAt = new Date(Date.parse(p.paidAt) + 2 * 86_400_000).toISOString();
  return {
    recordType: 'refund',
    refundId: `RF${n}`,
    paymentId: p.paymentId,
    channel: p.channel,
    amount: l.amount,
    refundedAt,
    businessDate: refundedAt.slice(0, 10),
    receiptNo: `RR${n}`,
    lines: [{ departmentId: l.departmentId, feeCode: l.feeCode, amount: l.amount }],
  };
}
