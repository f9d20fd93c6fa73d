import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { paymentKey } from '../../payments/adapters';
import type { DocClient, Item } from '../../shared/adapters/dynamo';
import { refundByNotice, type NoticeFacts } from '../domain/events';

/**
 * THE mapping from stored items to what webhooks announce, in one place: the Payments table's
 * payment and refund items (schemas/records.ts) and the Webhooks table's outbox items. If the
 * payments context changes its item shape, this is the file to adapt (and test/unit/webhooks
 * /streamRecords.test.ts says what it must still produce). Only new items count: a payment item
 * modified by a refund is not a second payment.
 */
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined);

interface LineItem {
  noticeNo: string;
  departmentId: string;
  feeCode: string;
  amount: number;
}

function linesOf(v: unknown): LineItem[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: LineItem[] = [];
  for (const l of v as Record<string, unknown>[]) {
    const line = {
      noticeNo: str(l?.noticeNo),
      departmentId: str(l?.departmentId),
      feeCode: str(l?.feeCode),
      amount: num(l?.amount),
    };
    if (!line.noticeNo || !line.departmentId || !line.feeCode || line.amount === undefined) return undefined;
    out.push(line as LineItem);
  }
  return out;
}

/** A payment item as a `paid` fact; undefined for anything else (bank-reference items, malformed items). */
export function paidFactsOf(i: Item): NoticeFacts | undefined {
  if (i.recordType !== 'payment') return undefined;
  const lines = linesOf(i.lines);
  const [paymentId, receiptNo, channel, businessDate, paidAt] = [
    str(i.paymentId),
    str(i.receiptNo),
    str(i.channel),
    str(i.businessDate),
    str(i.paidAt),
  ];
  if (!lines || !paymentId || !receiptNo || !channel || !businessDate || !paidAt) return undefined;
  return { kind: 'paid', paymentId, receiptNo, channel, businessDate, paidAt, lines };
}

export function cancelledFactsOf(i: Item): NoticeFacts | undefined {
  if (i.recordType !== 'notice-cancelled') return undefined;
  const [noticeNo, departmentId, amount, cancelledAt] = [
    str(i.noticeNo),
    str(i.departmentId),
    num(i.amount),
    str(i.cancelledAt),
  ];
  if (!noticeNo || !departmentId || amount === undefined || !cancelledAt) return undefined;
  return { kind: 'cancelled', noticeNo, departmentId, amount, cancelledAt };
}

/** A refund item and its payment (for the notices the refunded revenue lines belong to). */
export function refundedFactsOf(refund: Item, payment: Item | undefined): NoticeFacts | undefined {
  if (refund.recordType !== 'refund' || !payment) return undefined;
  const paymentLines = linesOf(payment.lines);
  const refundLines = Array.isArray(refund.lines) ? (refund.lines as Record<string, unknown>[]) : undefined;
  const [refundId, paymentId, receiptNo, channel, businessDate, refundedAt] = [
    str(refund.refundId),
    str(refund.paymentId),
    str(refund.receiptNo),
    str(refund.channel),
    str(refund.businessDate),
    str(refund.refundedAt),
  ];
  if (!paymentLines || !refundLines || !refundId || !paymentId || !receiptNo || !channel || !businessDate)
    return undefined;
  if (!refundedAt) return undefined;
  const revenue = refundLines.map((l) => ({
    departmentId: str(l?.departmentId) ?? '',
    feeCode: str(l?.feeCode) ?? '',
    amount: num(l?.amount) ?? 0,
  }));
  const notices = refundByNotice(paymentLines, revenue);
  return { kind: 'refunded', refundId, paymentId, receiptNo, channel, businessDate, refundedAt, notices };
}

export interface StreamReadResult {
  facts: NoticeFacts[];
  /** Records that looked like ours but could not be read (counted, never logged with content). */
  malformed: number;
}

/** New items of a stream batch (Payments or Webhooks) as facts; a refund reads its payment. */
export async function factsOfRecords(
  records: DynamoDBRecord[],
  readPayment: (paymentId: string) => Promise<Item | undefined>,
): Promise<StreamReadResult> {
  const facts: NoticeFacts[] = [];
  let malformed = 0;
  for (const r of records) {
    if (r.eventName !== 'INSERT' || !r.dynamodb?.NewImage) continue;
    const item = unmarshall(r.dynamodb.NewImage as Record<string, AttributeValue>);
    const kind = item.recordType;
    if (kind !== 'payment' && kind !== 'refund' && kind !== 'notice-cancelled') continue;
    const f =
      kind === 'payment'
        ? paidFactsOf(item)
        : kind === 'notice-cancelled'
          ? cancelledFactsOf(item)
          : refundedFactsOf(item, typeof item.paymentId === 'string' ? await readPayment(item.paymentId) : undefined);
    if (f) facts.push(f);
    else malformed++;
  }
  return { facts, malformed };
}

/** Reads a payment item of the Payments table (strongly consistent: the refund is already committed). */
export const paymentReader =
  (client: DocClient, table: string) =>
  async (paymentId: string): Promise<Item | undefined> =>
    (await client.send(new GetCommand({ TableName: table, Key: paymentKey(paymentId), ConsistentRead: true }))).Item;
