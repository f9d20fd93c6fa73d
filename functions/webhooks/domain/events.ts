import { createHash } from 'node:crypto';
import type { WebhookEvent, WebhookEventType } from '../ports';

/**
 * Department events from what the payments and notices contexts record. Each event is about one
 * notice and goes to that notice's department only, so a payment of notices of two departments is
 * (at least) one event for each, and no department learns of another's notices. Event ids are
 * derived from what happened (the payment, refund or cancellation and the notice), so a stream
 * record delivered twice yields the same event, the same deliveries and the same `webhook-id`.
 */

/** A payment as the webhooks context needs it (mapped from the stream by adapters/paymentChanges.ts). */
export interface PaidFacts {
  kind: 'paid';
  paymentId: string;
  receiptNo: string;
  channel: string;
  businessDate: string;
  paidAt: string;
  lines: { noticeNo: string; departmentId: string; amount: number }[];
}

/** A refund, with how much of it falls on each notice. */
export interface RefundedFacts {
  kind: 'refunded';
  refundId: string;
  paymentId: string;
  receiptNo: string;
  channel: string;
  businessDate: string;
  refundedAt: string;
  notices: { noticeNo: string; departmentId: string; amount: number }[];
}

export interface CancelledFacts {
  kind: 'cancelled';
  noticeNo: string;
  departmentId: string;
  amount: number;
  cancelledAt: string;
}

export type NoticeFacts = PaidFacts | RefundedFacts | CancelledFacts;

export function eventId(type: WebhookEventType, source: string, noticeNo: string): string {
  return `msg_${createHash('sha256').update(`${type}|${source}|${noticeNo}`).digest('base64url').slice(0, 27)}`;
}

/** Sums amounts per notice, keeping the first-seen order. */
function perNotice(lines: { noticeNo: string; departmentId: string; amount: number }[]) {
  const by = new Map<string, { noticeNo: string; departmentId: string; amount: number }>();
  for (const l of lines) {
    const n = by.get(l.noticeNo) ?? { noticeNo: l.noticeNo, departmentId: l.departmentId, amount: 0 };
    n.amount += l.amount;
    by.set(l.noticeNo, n);
  }
  return [...by.values()];
}

export function eventsOf(f: NoticeFacts): WebhookEvent[] {
  if (f.kind === 'cancelled')
    return [
      {
        id: eventId('notice.cancelled', f.cancelledAt, f.noticeNo),
        type: 'notice.cancelled',
        timestamp: f.cancelledAt,
        data: { noticeNo: f.noticeNo, departmentId: f.departmentId, amount: f.amount },
      },
    ];
  const type = f.kind === 'paid' ? 'notice.paid' : 'notice.refunded';
  const source = f.kind === 'paid' ? f.paymentId : f.refundId;
  const timestamp = f.kind === 'paid' ? f.paidAt : f.refundedAt;
  const notices = perNotice(f.kind === 'paid' ? f.lines : f.notices).filter((n) => n.amount > 0);
  return notices.map((n) => ({
    id: eventId(type, source, n.noticeNo),
    type,
    timestamp,
    data: {
      noticeNo: n.noticeNo,
      departmentId: n.departmentId,
      amount: n.amount,
      paymentId: f.paymentId,
      receiptNo: f.receiptNo,
      channel: f.channel,
      businessDate: f.businessDate,
    },
  }));
}

/**
 * How a refund's amount per revenue line (department, fee item) falls on the payment's notices:
 * each refund line is spread over the payment's lines of the same department and fee item in their
 * order, each taking at most what it was paid less what earlier refunds took. Exact whenever a fee
 * item appears on one notice of the payment (the usual case); otherwise in line order (ADR 0016).
 */
export function refundByNotice(
  paymentLines: { noticeNo: string; departmentId: string; feeCode: string; amount: number }[],
  refundLines: { departmentId: string; feeCode: string; amount: number }[],
  refundedBefore: readonly number[] = [],
): { noticeNo: string; departmentId: string; amount: number }[] {
  const room = paymentLines.map((l, i) => l.amount - (refundedBefore[i] ?? 0));
  const out: { noticeNo: string; departmentId: string; amount: number }[] = [];
  for (const r of refundLines) {
    let left = r.amount;
    for (const [i, l] of paymentLines.entries()) {
      if (left <= 0) break;
      if (l.departmentId !== r.departmentId || l.feeCode !== r.feeCode) continue;
      const take = Math.min(left, Math.max(room[i]!, 0));
      if (take <= 0) continue;
      room[i]! -= take;
      left -= take;
      out.push({ noticeNo: l.noticeNo, departmentId: l.departmentId, amount: take });
    }
    // More refunded than the lines hold (should not happen): the rest stays on the first such line.
    const first = paymentLines.find((l) => l.departmentId === r.departmentId && l.feeCode === r.feeCode);
    if (left > 0 && first) out.push({ noticeNo: first.noticeNo, departmentId: first.departmentId, amount: left });
  }
  return perNotice(out);
}
