import * as z from 'zod/mini';
import { CHANNELS } from './records';
import { BusinessDate, Cursor, DepartmentId, FeeCode, Fen, idempotencyKeyHeader, Limit, PositiveFen } from './common';
import { lazily, type RouteDocs } from './docs';
import { NoticeNo } from './notices';
import { DOCUMENT_NUMBER, PAYMENT_ID } from '../functions/shared/domain/ids';

export const Channel = z.enum(CHANNELS as unknown as ['cash', 'card', 'transfer', 'online']);

export const PayNotices = z
  .strictObject({
    noticeNos: z.array(NoticeNo).check(
      z.minLength(1),
      z.maxLength(20),
      z.refine((a) => new Set(a).size === a.length, 'a notice may appear only once'),
    ),
    channel: Channel,
    amount: PositiveFen,
    bankRef: z.optional(
      z
        .string()
        .check(z.trim(), z.minLength(1), z.maxLength(64), z.regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')),
    ),
    // Keyed by the notice numbers paid; the document says so (other keys are never read).
    checkCodes: z.optional(
      z.record(z.string().check(z.meta({ maxLength: 20, pattern: '^\\d{20}$' })), z.string().check(z.maxLength(64))),
    ),
  })
  .check(
    z.superRefine((p, ctx) => {
      if (p.channel === 'cash' && p.bankRef !== undefined)
        ctx.addIssue({ code: 'custom', path: ['bankRef'], message: 'cash payments carry no bankRef' });
      if (p.channel !== 'cash' && p.bankRef === undefined)
        ctx.addIssue({ code: 'custom', path: ['bankRef'], message: `required for ${p.channel}` });
    }),
    z.meta({ id: 'PayNotices' }),
  );
export type PayNotices = z.infer<typeof PayNotices>;

export const RECEIPT_STATUSES = ['valid', 'partially-reversed', 'reversed'] as const;

export const RefundRequest = z
  .strictObject({ amount: PositiveFen, reason: z.string().check(z.trim(), z.minLength(1), z.maxLength(500)) })
  .check(z.meta({ id: 'RefundRequest' }));

export const PaymentsQuery = z.strictObject({
  businessDate: z.optional(BusinessDate),
  channel: z.optional(Channel),
  limit: z.optional(Limit),
  cursor: z.optional(Cursor),
});

export const WindowDayParams = z.strictObject({
  windowId: z.string().check(z.maxLength(32), z.regex(/^[A-Za-z0-9_-]{1,32}$/)),
  date: BusinessDate,
});

export const ReceiptLookupQuery = z.strictObject({ checkCode: z.optional(z.string().check(z.maxLength(64))) });

export const VerifyReceipt = z
  .union([
    z.strictObject({
      receiptNo: z.string().check(z.minLength(1), z.maxLength(64)),
      checkCode: z.string().check(z.minLength(1), z.maxLength(64)),
    }),
    z.strictObject({ jws: z.string().check(z.minLength(1), z.maxLength(20_000)) }),
  ])
  .check(z.meta({ id: 'VerifyReceipt' }));

/** Response shapes and the route docs: built on first use (OpenAPI document, tests), not at cold start. */
export const paymentsDocs = lazily(() => {
  const ReceiptLine = z
    .object({
      noticeNo: NoticeNo,
      departmentId: DepartmentId,
      feeCode: FeeCode,
      name: z.string(),
      quantity: z.int(),
      amount: Fen,
    })
    .check(z.meta({ id: 'ReceiptLine' }));

  /** What the JWS signs: the receipt without `jws` and `status` (the status changes; the document does not). */
  const ReceiptPayload = z.object({
    receiptNo: z.string(),
    checkCode: z.string(),
    kind: z.enum(['payment', 'reversal']).check(z.meta({ description: 'reversal: a red receipt (红冲) for a refund' })),
    paymentId: z.string(),
    refundId: z.optional(z.string()),
    originalReceiptNo: z.optional(z.string()),
    payerName: z.string().check(z.meta({ description: 'masked' })),
    lines: z.array(ReceiptLine),
    total: Fen,
    currency: z.literal('CNY'),
    issuer: z.string(),
    issuedAt: z.string(),
  });

  const Receipt = z
    .extend(ReceiptPayload, {
      status: z.enum(RECEIPT_STATUSES),
      jws: z
        .string()
        .check(
          z.meta({ description: 'compact JWS (ES256, kid in the header) over the receipt without jws and status' }),
        ),
    })
    .check(z.meta({ id: 'Receipt' }));

  // The fields every payment view shares, in the order the views list them.
  const paymentWhat = { paymentId: z.string(), noticeNos: z.array(NoticeNo), amount: Fen };
  const paymentHowWhen = {
    channel: Channel,
    bankRef: z.nullable(z.string()),
    windowId: z.nullable(z.string()),
    paidAt: z.string(),
    businessDate: BusinessDate,
  };

  const Payment = z.object({ ...paymentWhat, ...paymentHowWhen, receipt: Receipt }).check(z.meta({ id: 'Payment' }));

  const paymentSummaryFields = {
    ...paymentWhat,
    refundedAmount: Fen,
    ...paymentHowWhen,
    receiptNo: z.string(),
    lines: z.array(
      z.object({
        noticeNo: NoticeNo,
        departmentId: DepartmentId,
        feeCode: FeeCode,
        feeVersion: z.int(),
        quantity: z.int(),
        amount: Fen,
      }),
    ),
  };
  const PaymentSummary = z.object(paymentSummaryFields).check(z.meta({ id: 'PaymentSummary' }));
  // From the fields, not z.extend(PaymentSummary): extending would carry PaymentSummary's id along.
  const PaymentDetail = z.object({ ...paymentSummaryFields, receipt: Receipt }).check(z.meta({ id: 'PaymentDetail' }));

  const Refund = z
    .object({
      refundId: z.string(),
      paymentId: z.string(),
      channel: Channel.check(z.meta({ description: 'the channel of the payment refunded' })),
      receiptNo: z.string().check(z.meta({ description: 'the red receipt’s number' })),
      amount: Fen,
      reason: z.string(),
      refundedAt: z.string(),
      businessDate: BusinessDate,
      lines: z.array(z.object({ departmentId: DepartmentId, feeCode: FeeCode, amount: Fen })),
      receipt: Receipt,
      originalReceipt: z.object({ receiptNo: z.string(), status: z.enum(RECEIPT_STATUSES) }),
    })
    .check(z.meta({ id: 'Refund' }));

  const Verification = z
    .object({ valid: z.boolean(), status: z.nullable(z.enum(RECEIPT_STATUSES)), receipt: z.optional(Receipt) })
    .check(z.meta({ id: 'ReceiptVerification' }));

  const Jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).check(z.meta({ id: 'JWKS' }));

  // Ids of a shape the API never issues are answered like missing ones (404), without a read.
  const PaymentParams = z.strictObject({
    paymentId: z.string().check(z.regex(PAYMENT_ID), z.meta({ maxLength: 25 })),
  });
  const ReceiptParams = z.strictObject({
    receiptNo: z.string().check(z.regex(DOCUMENT_NUMBER), z.meta({ maxLength: 20 })),
  });

  const routes: RouteDocs = {
    'POST /v1/payments': {
      summary:
        'A window clerk records a counter payment of 1-20 notices (Idempotency-Key required); online payments go through POST /v1/payment-orders (422 online-payment-needs-order)',
      body: PayNotices,
      headers: [idempotencyKeyHeader(true)],
      response: Payment,
      status: 201,
      responseHeaders: ['Idempotent-Replayed'],
      problems: [
        'idempotency-key-required',
        'online-payment-needs-order',
        'notice-payment-pending',
        'amount-mismatch',
        'bank-ref-duplicate',
        'notice-already-paid',
        'notice-cancelled',
        'notice-expired',
        'idempotency-key-reused',
        'idempotency-in-progress',
        'not-found',
        'rate-limited',
        'day-closed',
        'concurrent-update',
      ],
    },
    'GET /v1/payments': {
      summary: 'Payments of a business day',
      query: PaymentsQuery,
      response: z.object({ items: z.array(PaymentSummary), nextCursor: z.nullable(z.string()) }),
    },
    'GET /v1/windows/{windowId}/days/{date}': {
      summary:
        'A window’s business day: counts and totals by channel (the cash total is what the window deposits) and its payments; a clerk sees only the own window',
      params: WindowDayParams,
      response: z
        .object({
          windowId: z.string(),
          businessDate: BusinessDate,
          byChannel: z.array(z.object({ channel: Channel, count: z.int(), amount: Fen })),
          payments: z.array(PaymentSummary),
        })
        .check(z.meta({ id: 'WindowDay' })),
      problems: ['validation-failed'],
    },
    'GET /v1/payments/{paymentId}': {
      summary: 'One payment with its receipt (current status)',
      params: PaymentParams,
      response: PaymentDetail,
      problems: ['not-found'],
    },
    'POST /v1/payments/{paymentId}/refunds': {
      summary: 'Refund part or all of a payment (Idempotency-Key required): a reversing transaction and a red receipt',
      params: PaymentParams,
      body: RefundRequest,
      headers: [idempotencyKeyHeader(true)],
      response: Refund,
      status: 201,
      responseHeaders: ['Idempotent-Replayed'],
      problems: [
        'idempotency-key-required',
        'refund-exceeds-payment',
        'not-found',
        'idempotency-key-reused',
        'idempotency-in-progress',
        'day-closed',
        'concurrent-update',
      ],
    },
    'GET /v1/receipts/{receiptNo}': {
      summary: 'A receipt, with its check code (look-ups are rate-limited per client)',
      params: ReceiptParams,
      query: ReceiptLookupQuery,
      response: Receipt,
      problems: ['not-found', 'rate-limited'],
    },
    'GET /v1/notices/{noticeNo}/receipt': {
      summary:
        'The receipt of a paid notice, with the notice’s check code (a payer finds the receipt again; rate-limited like receipt look-ups)',
      params: z.strictObject({ noticeNo: z.string().check(z.regex(DOCUMENT_NUMBER), z.meta({ maxLength: 20 })) }),
      query: ReceiptLookupQuery,
      response: Receipt,
      problems: ['not-found', 'rate-limited'],
    },
    'POST /v1/receipts/verify': {
      summary: 'Verify a receipt by number and check code (rate-limited per client like look-ups), or by its JWS',
      body: VerifyReceipt,
      response: Verification,
      problems: ['rate-limited'],
    },
    'GET /v1/.well-known/jwks.json': {
      summary: 'The public keys that sign receipts',
      response: Jwks,
      responseHeaders: [{ name: 'Cache-Control', required: true }],
    },
  };
  return { schemas: { ReceiptPayload, Receipt, Payment }, routes };
});
type PaymentSchemas = ReturnType<typeof paymentsDocs>['schemas'];
export type ReceiptPayload = z.infer<PaymentSchemas['ReceiptPayload']>;
export type Receipt = z.infer<PaymentSchemas['Receipt']>;
export type Payment = z.infer<PaymentSchemas['Payment']>;
