import * as z from 'zod';
import { isValidResidentId } from '../functions/shared/ids';
import { BusinessDate, DepartmentId, Fen, Limit } from './common';
import { FeeCode } from './catalog';
import type { RouteDocs } from './docs';

export const ID_TYPES = ['resident-id', 'passport', 'business-licence', 'other'] as const;
export const NOTICE_STATUSES = ['issued', 'paid', 'cancelled', 'expired'] as const;
export type NoticeStatus = (typeof NOTICE_STATUSES)[number];

export const NoticeNo = z.string().regex(/^\d{20}$/, 'must be a 20-digit notice number');

export const Payer = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    idType: z.enum(ID_TYPES),
    idNumber: z.string().trim().min(1).max(64),
    phone: z
      .string()
      .regex(/^\+?[0-9][0-9 -]{4,19}$/, 'must be a phone number')
      .optional(),
  })
  .superRefine((p, ctx) => {
    if (p.idType === 'resident-id' && !isValidResidentId(p.idNumber))
      ctx.addIssue({ code: 'custom', path: ['idNumber'], message: 'not a valid resident ID number (18 characters, GB 11643 check digit)' });
  })
  .meta({ id: 'Payer' });
export type Payer = z.infer<typeof Payer>;

/** No price field: the system prices every line from the fee item version in force (strict object). */
export const NoticeLineRequest = z.strictObject({
  feeCode: FeeCode,
  quantity: z
    .number()
    .int('must be an integer')
    .min(1)
    .max(100_000)
    .optional()
    .meta({ description: 'units (default 1); a fixed-price item costs its amount per unit too' }),
});

export const IssueNotice = z
  .strictObject({
    payer: Payer,
    lines: z.array(NoticeLineRequest).min(1).max(50),
    dueDate: BusinessDate.optional(),
  })
  .meta({ id: 'IssueNotice' });
export type IssueNotice = z.infer<typeof IssueNotice>;

export const NoticeLine = z
  .object({
    feeCode: FeeCode,
    feeVersion: z.number().int(),
    name: z.string(),
    quantity: z.number().int(),
    unitAmount: Fen,
    amount: Fen,
  })
  .meta({ id: 'NoticeLine' });
export type NoticeLine = z.infer<typeof NoticeLine>;

export const Notice = z
  .object({
    noticeNo: NoticeNo,
    checkCode: z.string().optional().meta({ description: 'shown to the issuing department, clerk and finance; never in the payer view' }),
    departmentId: DepartmentId,
    payer: z.object({ name: z.string(), idType: z.enum(ID_TYPES), idNumber: z.string(), phone: z.string().optional() }),
    lines: z.array(NoticeLine),
    total: Fen,
    currency: z.literal('CNY'),
    status: z.enum(NOTICE_STATUSES),
    issuedAt: z.string(),
    dueDate: BusinessDate,
    paymentId: z.string().optional(),
    cancelledAt: z.string().optional(),
    cancelReason: z.string().optional(),
  })
  .meta({ id: 'Notice', description: 'Full view for the issuing department, clerk and finance; the payer view masks payer fields' });
export type NoticeView = z.infer<typeof Notice>;

export const NoticeLookupQuery = z.strictObject({ checkCode: z.string().max(64).optional() });

export const NoticeListQuery = z
  .strictObject({
    status: z.enum(NOTICE_STATUSES).optional(),
    from: BusinessDate.optional(),
    to: BusinessDate.optional(),
    department: DepartmentId.optional().meta({ description: 'finance only: one department' }),
    limit: Limit.optional(),
    cursor: z.string().max(2048).optional(),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'must not be before from', path: ['to'] })
  // Finance's listing walks month partitions: one year at most per query keeps a page's reads bounded.
  .refine((q) => !q.from || !q.to || Date.parse(q.to) - Date.parse(q.from) <= 366 * 86_400_000, { message: 'at most 366 days after from', path: ['to'] });

export const CancelNotice = z.strictObject({ reason: z.string().trim().min(1).max(500) }).meta({ id: 'CancelNotice' });

export const noticesRouteDocs: RouteDocs = {
  'POST /v1/notices': {
    summary: 'Issue a payment notice (缴款通知书) priced from the catalog',
    body: IssueNotice,
    response: Notice,
    status: 201,
    problems: ['fee-item-other-department', 'fee-item-unknown', 'forbidden'],
  },
  'GET /v1/notices': {
    summary: 'List notices (a department its own; finance all)',
    query: NoticeListQuery,
    response: z.object({ items: z.array(Notice), nextCursor: z.string().nullable() }),
  },
  'GET /v1/notices/{noticeNo}': {
    summary: 'A notice: the payer view (masked) with ?checkCode=, or the full view for staff',
    query: NoticeLookupQuery,
    response: Notice,
    problems: ['not-found', 'rate-limited', 'forbidden'],
  },
  'POST /v1/notices/{noticeNo}/cancel': {
    summary: 'Cancel an unpaid notice (issuing department)',
    body: CancelNotice,
    response: Notice,
    problems: ['notice-already-paid', 'notice-cancelled', 'not-found', 'forbidden'],
  },
};
