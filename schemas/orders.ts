import * as z from 'zod/mini';
import { BusinessDate, Cursor, EmptyBody, idempotencyKeyHeader, Limit } from './common';
import { lazily, type RouteDocs } from './docs';
import { NoticeNo } from './notices';

/** Payment orders (API.md "Payment orders"): the payer's request and what everyone sees of an order. */

export const ORDER_STATUS_VALUES = [
  'created',
  'succeeded',
  'failed',
  'expired',
  'cancelled',
  'anomalous',
  'refunded',
] as const;
const ORDER_ID_PATTERN = '^O\\d{8}[0-9A-Z]{20}$';

export const CreatePaymentOrder = z
  .strictObject({
    noticeNos: z.array(NoticeNo).check(
      z.minLength(1),
      z.maxLength(20),
      z.refine((a) => new Set(a).size === a.length, 'a notice may appear only once'),
    ),
    // Keyed by the notice numbers ordered; every one is required (other keys are never read).
    checkCodes: z.record(
      z.string().check(z.meta({ maxLength: 20, pattern: '^\\d{20}$' })),
      z.string().check(z.maxLength(64)),
    ),
    /** Where the hosted payment page sends the payer back (http(s) only). */
    returnUrl: z.optional(z.string().check(z.maxLength(512), z.regex(/^https?:\/\/[^\s]+$/, 'an http(s) URL'))),
  })
  .check(z.meta({ id: 'CreatePaymentOrder' }));
export type CreatePaymentOrder = z.infer<typeof CreatePaymentOrder>;

export const PaymentOrdersQuery = z.strictObject({
  status: z.optional(z.enum(ORDER_STATUS_VALUES)),
  from: z.optional(BusinessDate),
  to: z.optional(BusinessDate),
  limit: z.optional(Limit),
  cursor: z.optional(Cursor),
});

/** Finance's refund of an anomalous order: why (staff text; the amount is what the provider captured). */
export const OrderRefundRequest = z
  .strictObject({ reason: z.string().check(z.minLength(1), z.maxLength(200)) })
  .check(z.meta({ id: 'OrderRefundRequest' }));

/** The x-order-token header: the holder's credential, as issued (base64url). */
export const OrderToken = z.optional(z.string().check(z.maxLength(128)));

export const ordersDocs = lazily(() => {
  const Status = z.enum(ORDER_STATUS_VALUES);
  const orderFields = {
    orderId: z.string().check(z.meta({ pattern: ORDER_ID_PATTERN })),
    status: Status,
    amount: z.int(),
    noticeNos: z.array(z.string()),
    createdAt: z.string(),
    expiresAt: z.string(),
    paymentId: z.optional(z.string()),
    receiptNo: z.optional(z.string()),
    anomaly: z.optional(z.string()),
    /** An anomalous order refunded by finance: the provider's refund request number, the fen returned, when. */
    refund: z.optional(z.object({ refundId: z.string(), amount: z.int(), refundedAt: z.string() })),
    /** A succeeded order read by its holder or staff: the payment (channel online) and its signed receipt. */
    payment: z.optional(z.record(z.string(), z.unknown())),
    receipt: z.optional(z.record(z.string(), z.unknown())),
  };
  const PaymentOrder = z.object(orderFields).check(z.meta({ id: 'PaymentOrder' }));
  const CreatedOrder = z
    .object({ ...orderFields, orderToken: z.string(), providerOrderId: z.string(), redirectUrl: z.string() })
    .check(z.meta({ id: 'CreatedPaymentOrder' }));
  const OrderParams = z.strictObject({
    orderId: z.string().check(z.regex(new RegExp(ORDER_ID_PATTERN)), z.meta({ maxLength: 29 })),
  });
  const tokenHeader = {
    name: 'x-order-token',
    required: false,
    description:
      'The orderToken POST /v1/payment-orders answered (the holder’s credential); staff read with their bearer token instead',
    schema: z.string().check(z.maxLength(128)),
  };
  const routes: RouteDocs = {
    'POST /v1/payment-orders': {
      summary:
        'Order an online payment of 1-20 notices (anyone holding their check codes; rate-limited per client): the hosted payment page is at redirectUrl',
      body: CreatePaymentOrder,
      response: CreatedOrder,
      status: 201,
      problems: [
        'not-found',
        'notice-already-paid',
        'notice-cancelled',
        'notice-expired',
        'notice-payment-pending',
        'rate-limited',
        'concurrent-update',
        'provider-unconfirmed',
      ],
    },
    'GET /v1/payment-orders': {
      summary: 'Payment orders made on business dates from..to (default today), newest date first',
      query: PaymentOrdersQuery,
      response: z.object({ items: z.array(PaymentOrder), nextCursor: z.nullable(z.string()) }),
    },
    'GET /v1/payment-orders/{orderId}': {
      summary:
        'One payment order (its holder with x-order-token; clerk, finance); a created order past a short delay asks the provider',
      params: OrderParams,
      headers: [tokenHeader],
      response: PaymentOrder,
      problems: ['not-found'],
    },
    'POST /v1/payment-orders/{orderId}/cancel': {
      summary: 'The holder cancels an open order: 200 once the provider has closed it',
      params: OrderParams,
      body: EmptyBody,
      headers: [{ ...tokenHeader, required: true }],
      response: PaymentOrder,
      problems: ['not-found', 'order-not-open', 'provider-unconfirmed'],
    },
    'POST /v1/payment-orders/{orderId}/refunds': {
      summary:
        'Finance refunds an anomalous order (money at the provider, no payment; Idempotency-Key required): the whole captured amount goes back through the provider, idempotently by order, and the order ends refunded',
      params: OrderParams,
      body: OrderRefundRequest,
      headers: [idempotencyKeyHeader(true)],
      response: PaymentOrder,
      responseHeaders: ['Idempotent-Replayed'],
      problems: [
        'idempotency-key-required',
        'idempotency-key-reused',
        'idempotency-in-progress',
        'not-found',
        'order-not-refundable',
        'provider-unconfirmed',
      ],
    },
    'POST /v1/payment-providers/{provider}/notifications': {
      summary:
        'The provider’s asynchronous notification (form-encoded, signed with its key): verified before anything is read; answered with the provider’s acknowledgement',
      params: z.strictObject({ provider: z.enum(['alipay']) }),
      bodyType: 'application/x-www-form-urlencoded',
      textResponse: 'success',
      problems: ['unauthorized', 'not-found', 'idempotency-in-progress', 'concurrent-update', 'provider-unconfirmed'],
    },
  };
  return { schemas: { PaymentOrder }, routes };
});
