import * as z from 'zod/mini';
import { isValidResidentId } from '../functions/shared/domain/ids';
import { BusinessDate, Cursor, DepartmentId, FeeCode, Fen, Limit, text } from './common';
import { lazily, type RouteDocs } from './docs';

export const ID_TYPES = ['resident-id', 'passport', 'business-licence', 'other'] as const;
export const NOTICE_STATUSES = ['issued', 'paid', 'cancelled', 'expired'] as const;
export type NoticeStatus = (typeof NOTICE_STATUSES)[number];

export const NoticeNo = z
  .string()
  .check(z.regex(/^\d{20}$/, 'must be a 20-digit notice number'), z.meta({ maxLength: 20 }));

export const Payer = z
  .strictObject({
    name: text(100),
    idType: z.enum(ID_TYPES),
    idNumber: text(64),
    phone: z.optional(
      z.string().check(z.regex(/^\+?[0-9][0-9 -]{4,19}$/, 'must be a phone number'), z.meta({ maxLength: 21 })),
    ),
  })
  .check(
    z.superRefine((p, ctx) => {
      if (p.idType === 'resident-id' && !isValidResidentId(p.idNumber))
        ctx.addIssue({
          code: 'custom',
          path: ['idNumber'],
          message: 'not a valid resident ID number (18 characters, GB 11643 check digit)',
        });
    }),
    z.meta({ id: 'Payer' }),
  );
export type Payer = z.infer<typeof Payer>;

/** No price field: the system prices every line from the fee item version in force (strict object). */
export const NoticeLineRequest = z.strictObject({
  feeCode: FeeCode,
  quantity: z.optional(
    z
      .number()
      .check(
        z.int('must be an integer'),
        z.gte(1),
        z.lte(100_000),
        z.meta({ description: 'units (default 1); a fixed-price item costs its amount per unit too' }),
      ),
  ),
});

export const IssueNotice = z
  .strictObject({
    payer: Payer,
    lines: z.array(NoticeLineRequest).check(z.minLength(1), z.maxLength(50)),
    dueDate: z.optional(BusinessDate),
  })
  .check(z.meta({ id: 'IssueNotice' }));
export type IssueNotice = z.infer<typeof IssueNotice>;

export const NoticeLookupQuery = z.strictObject({ checkCode: z.optional(z.string().check(z.maxLength(64))) });

export const NoticeListQuery = z
  .strictObject({
    status: z.optional(z.enum(NOTICE_STATUSES)),
    from: z.optional(BusinessDate),
    to: z.optional(BusinessDate),
    department: z.optional(DepartmentId).check(z.meta({ description: 'finance only: one department' })),
    limit: z.optional(Limit),
    cursor: z.optional(Cursor),
  })
  .check(
    z.refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'must not be before from', path: ['to'] }),
    // Finance's listing walks month partitions: one year at most per query keeps a page's reads bounded.
    z.refine((q) => !q.from || !q.to || Date.parse(q.to) - Date.parse(q.from) <= 366 * 86_400_000, {
      message: 'at most 366 days after from',
      path: ['to'],
    }),
  );

export const CancelNotice = z.strictObject({ reason: text(500) }).check(z.meta({ id: 'CancelNotice' }));

/** Response shapes and the route docs: built on first use (OpenAPI document, tests), not at cold start. */
export const noticesDocs = lazily(() => {
  const NoticeLine = z
    .object({
      feeCode: FeeCode,
      feeVersion: z.int(),
      name: z.string(),
      quantity: z.int(),
      unitAmount: Fen,
      amount: Fen,
    })
    .check(z.meta({ id: 'NoticeLine' }));
  const Notice = z
    .object({
      noticeNo: NoticeNo,
      checkCode: z
        .optional(z.string())
        .check(z.meta({ description: 'shown to the issuing department, clerk and finance; never in the payer view' })),
      departmentId: DepartmentId,
      payer: z.object({
        name: z.string(),
        idType: z.enum(ID_TYPES),
        idNumber: z.string(),
        phone: z.optional(z.string()),
      }),
      lines: z.array(NoticeLine),
      total: Fen,
      currency: z.literal('CNY'),
      status: z.enum(NOTICE_STATUSES),
      issuedAt: z.string(),
      dueDate: BusinessDate,
      paymentId: z.optional(z.string()),
      paidAt: z.optional(z.string()).check(z.meta({ description: 'when the notice was paid (with paymentId)' })),
      cancelledAt: z.optional(z.string()),
      cancelReason: z.optional(z.string()),
    })
    .check(
      z.meta({
        id: 'Notice',
        description: 'Full view for the issuing department, clerk and finance; the payer view masks payer fields',
      }),
    );
  // A number that is not 20 digits with a valid check digit is answered like a missing notice (404).
  const NoticeParams = z.strictObject({ noticeNo: NoticeNo });
  const routes: RouteDocs = {
    'POST /v1/notices': {
      summary: 'Issue a payment notice (缴款通知书) priced from the catalog',
      body: IssueNotice,
      response: Notice,
      status: 201,
      problems: ['fee-item-other-department', 'fee-item-unknown', 'forbidden', 'concurrent-update'],
    },
    'GET /v1/notices': {
      summary: 'List notices (a department its own; finance all)',
      query: NoticeListQuery,
      response: z.object({ items: z.array(Notice), nextCursor: z.nullable(z.string()) }),
      problems: ['forbidden'],
    },
    'GET /v1/notices/{noticeNo}': {
      summary:
        'A notice: the payer view (masked) with ?checkCode=, or the full view for staff; payer look-ups are rate-limited per client',
      params: NoticeParams,
      query: NoticeLookupQuery,
      response: Notice,
      problems: ['not-found', 'rate-limited', 'forbidden'],
    },
    'POST /v1/notices/{noticeNo}/cancel': {
      summary: 'Cancel an unpaid notice (issuing department)',
      params: NoticeParams,
      body: CancelNotice,
      response: Notice,
      problems: ['notice-already-paid', 'notice-cancelled', 'notice-payment-pending', 'not-found', 'forbidden'],
    },
  };
  return { schemas: { NoticeLine, Notice }, routes };
});
type NoticeSchemas = ReturnType<typeof noticesDocs>['schemas'];
export type NoticeLine = z.infer<NoticeSchemas['NoticeLine']>;
export type NoticeView = z.infer<NoticeSchemas['Notice']>;
