import * as z from 'zod';
import { CHANNELS } from './records';
import { BusinessDate, DepartmentId, Fen, idempotencyKeyHeader, Limit, PositiveFen } from './common';
import { FeeCode } from './catalog';
import type { RouteDocs } from './docs';
import { NoticeNo } from './notices';

export const Channel = z.enum(CHANNELS as unknown as ['cash', 'card', 'transfer', 'online']);

export const PayNotices = z
  .strictObject({
    noticeNos: z
      .array(NoticeNo)
      .min(1)
      .max(20)
      .refine((a) => new Set(a).size === a.length, 'a notice may appear only once'),
    channel: Channel,
    amount: PositiveFen,
    bankRef: z.string().trim().min(1).max(64).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces').optional(),
    checkCodes: z.record(z.string(), z.string().max(64)).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.channel === 'cash' && p.bankRef !== undefined) ctx.addIssue({ code: 'custom', path: ['bankRef'], message: 'cash payments carry no bankRef' });
    if (p.channel !== 'cash' && p.bankRef === undefined) ctx.addIssue({ code: 'custom', path: ['bankRef'], message: `required for ${p.channel}` });
  })
  .meta({ id: 'PayNotices' });
export type PayNotices = z.infer<typeof PayNotices>;

export const ReceiptLine = z
  .object({
    noticeNo: NoticeNo,
    departmentId: DepartmentId,
    feeCode: FeeCode,
    name: z.string(),
    quantity: z.number().int(),
    amount: Fen,
  })
  .meta({ id: 'ReceiptLine' });

export const RECEIPT_STATUSES = ['valid', 'partially-reversed', 'reversed'] as const;

/** What the JWS signs: the receipt without `jws` and `status` (the status changes; the document does not). */
export const ReceiptPayload = z.object({
  receiptNo: z.string(),
  checkCode: z.string(),
  kind: z.enum(['payment', 'reversal']).meta({ description: 'reversal: a red receipt (红冲) for a refund' }),
  paymentId: z.string(),
  refundId: z.string().optional(),
  originalReceiptNo: z.string().optional(),
  payerName: z.string().meta({ description: 'masked' }),
  lines: z.array(ReceiptLine),
  total: Fen,
  currency: z.literal('CNY'),
  issuer: z.string(),
  issuedAt: z.string(),
});
export type ReceiptPayload = z.infer<typeof ReceiptPayload>;

export const Receipt = ReceiptPayload.extend({
  status: z.enum(RECEIPT_STATUSES),
  jws: z.string().meta({ description: 'compact JWS (ES256, kid in the header) over the receipt without jws and status' }),
}).meta({ id: 'Receipt' });
export type Receipt = z.infer<typeof Receipt>;

export const Payment = z
  .object({
    paymentId: z.string(),
    noticeNos: z.array(NoticeNo),
    amount: Fen,
    channel: Channel,
    bankRef: z.string().nullable(),
    windowId: z.string().nullable(),
    paidAt: z.string(),
    businessDate: BusinessDate,
    receipt: Receipt,
  })
  .meta({ id: 'Payment' });
export type Payment = z.infer<typeof Payment>;

export const PaymentSummary = z
  .object({
    paymentId: z.string(),
    noticeNos: z.array(NoticeNo),
    amount: Fen,
    refundedAmount: Fen,
    channel: Channel,
    bankRef: z.string().nullable(),
    windowId: z.string().nullable(),
    paidAt: z.string(),
    businessDate: BusinessDate,
    receiptNo: z.string(),
    lines: z.array(z.object({ noticeNo: NoticeNo, departmentId: DepartmentId, feeCode: FeeCode, feeVersion: z.number().int(), quantity: z.number().int(), amount: Fen })),
  })
  .meta({ id: 'PaymentSummary' });

export const PaymentDetail = PaymentSummary.extend({ receipt: Receipt }).meta({ id: 'PaymentDetail' });

export const RefundRequest = z.strictObject({ amount: PositiveFen, reason: z.string().trim().min(1).max(500) }).meta({ id: 'RefundRequest' });

export const Refund = z
  .object({
    refundId: z.string(),
    paymentId: z.string(),
    channel: Channel.meta({ description: 'the channel of the payment refunded' }),
    receiptNo: z.string().meta({ description: 'the red receipt’s number' }),
    amount: Fen,
    reason: z.string(),
    refundedAt: z.string(),
    businessDate: BusinessDate,
    lines: z.array(z.object({ departmentId: DepartmentId, feeCode: FeeCode, amount: Fen })),
    receipt: Receipt,
    originalReceipt: z.object({ receiptNo: z.string(), status: z.enum(RECEIPT_STATUSES) }),
  })
  .meta({ id: 'Refund' });

export const PaymentsQuery = z.strictObject({
  businessDate: BusinessDate.optional(),
  channel: Channel.optional(),
  limit: Limit.optional(),
  cursor: z.string().max(2048).optional(),
});

export const ReceiptLookupQuery = z.strictObject({ checkCode: z.string().max(64).optional() });

export const VerifyReceipt = z
  .union([
    z.strictObject({ receiptNo: z.string().min(1).max(64), checkCode: z.string().min(1).max(64) }),
    z.strictObject({ jws: z.string().min(1).max(20_000) }),
  ])
  .meta({ id: 'VerifyReceipt' });

export const Verification = z
  .object({ valid: z.boolean(), status: z.enum(RECEIPT_STATUSES).nullable(), receipt: Receipt.optional() })
  .meta({ id: 'ReceiptVerification' });

const Jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).meta({ id: 'JWKS' });

export const paymentsRouteDocs: RouteDocs = {
  'POST /v1/payments': {
    summary: 'Pay 1-20 notices through one channel (Idempotency-Key required)',
    body: PayNotices,
    headers: [idempotencyKeyHeader(true)],
    response: Payment,
    status: 201,
    problems: [
      'idempotency-key-required',
      'amount-mismatch',
      'bank-ref-duplicate',
      'notice-already-paid',
      'notice-cancelled',
      'notice-expired',
      'idempotency-key-reused',
      'idempotency-in-progress',
      'not-found',
      'unauthorized',
    ],
  },
  'GET /v1/payments': { summary: 'Payments of a business day', query: PaymentsQuery, response: z.object({ items: z.array(PaymentSummary), nextCursor: z.string().nullable() }) },
  'GET /v1/payments/{paymentId}': { summary: 'One payment with its receipt (current status)', response: PaymentDetail, problems: ['not-found'] },
  'POST /v1/payments/{paymentId}/refunds': {
    summary: 'Refund part or all of a payment (Idempotency-Key required): a reversing transaction and a red receipt',
    body: RefundRequest,
    headers: [idempotencyKeyHeader(true)],
    response: Refund,
    status: 201,
    problems: ['idempotency-key-required', 'refund-exceeds-payment', 'not-found', 'idempotency-key-reused', 'idempotency-in-progress', 'day-closed'],
  },
  'GET /v1/receipts/{receiptNo}': { summary: 'A receipt, with its check code', query: ReceiptLookupQuery, response: Receipt, problems: ['not-found', 'rate-limited'] },
  'POST /v1/receipts/verify': { summary: 'Verify a receipt by number and check code, or by its JWS', body: VerifyReceipt, response: Verification, problems: ['rate-limited'] },
  'GET /v1/.well-known/jwks.json': { summary: 'The public keys that sign receipts', response: Jwks },
};
