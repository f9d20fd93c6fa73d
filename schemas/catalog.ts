import * as z from 'zod';
import { BusinessDate, DepartmentId, Limit, PositiveFen } from './common';

export const Department = z.strictObject({ id: DepartmentId, name: z.string().trim().min(1).max(200) }).meta({ id: 'Department' });
export type Department = z.infer<typeof Department>;

export const FEE_CATEGORIES = ['administrative-fee', 'government-fund', 'fine', 'other'] as const;

export const FeeCode = z.string().regex(/^[A-Z0-9][A-Z0-9-]{1,31}$/, 'must be 2-32 upper-case letters, digits or dashes');

export const Pricing = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('fixed'), amount: PositiveFen }),
    z.strictObject({ kind: z.literal('per-unit'), unitAmount: PositiveFen, unit: z.string().trim().min(1).max(50) }),
  ])
  .meta({ id: 'Pricing', description: 'The published standard, in integer fen' });
export type Pricing = z.infer<typeof Pricing>;

/** The fields a version publishes; departmentId is fixed at creation and never changes. */
const versionFields = {
  name: z.string().trim().min(1).max(200),
  category: z.enum(FEE_CATEGORIES),
  legalBasis: z.string().trim().min(1, 'the legal basis (收费依据) is required').max(1000),
  approvedBy: z.string().trim().min(1, 'the approving authority (批准机关) is required').max(200),
  pricing: Pricing,
  effectiveFrom: BusinessDate.optional(),
  effectiveTo: BusinessDate.optional(),
};

const toAfterFrom = (v: { effectiveFrom?: string; effectiveTo?: string }) =>
  !v.effectiveFrom || !v.effectiveTo || v.effectiveTo >= v.effectiveFrom;
const toAfterFromIssue = { message: 'must not be before effectiveFrom', path: ['effectiveTo'] };

export const CreateFeeItem = z
  .strictObject({ code: FeeCode, departmentId: DepartmentId, ...versionFields })
  .refine(toAfterFrom, toAfterFromIssue)
  .meta({ id: 'CreateFeeItem' });
export type CreateFeeItem = z.infer<typeof CreateFeeItem>;

export const NewFeeItemVersion = z.strictObject(versionFields).refine(toAfterFrom, toAfterFromIssue).meta({ id: 'NewFeeItemVersion' });
export type NewFeeItemVersion = z.infer<typeof NewFeeItemVersion>;

export const RetireFeeItem = z.strictObject({ effectiveTo: BusinessDate }).meta({ id: 'RetireFeeItem' });

export const FeeItem = z
  .object({
    code: FeeCode,
    name: z.string(),
    departmentId: DepartmentId,
    category: z.enum(FEE_CATEGORIES),
    legalBasis: z.string(),
    approvedBy: z.string(),
    pricing: Pricing,
    effectiveFrom: BusinessDate,
    effectiveTo: BusinessDate.optional(),
    version: z.number().int().min(1),
    publishedAt: z.string(),
  })
  .meta({ id: 'FeeItem', description: 'One immutable version of a fee item' });
export type FeeItem = z.infer<typeof FeeItem>;

export const FeeItemHistory = z.object({ current: FeeItem.nullable(), versions: z.array(FeeItem) }).meta({ id: 'FeeItemHistory' });

export const FeeItemsQuery = z.strictObject({
  department: DepartmentId.optional(),
  asOf: BusinessDate.optional(),
  limit: Limit,
  cursor: z.string().max(2048).optional(),
});

import type { RouteDocs } from './docs';
import { listOf } from './common';

export const catalogRouteDocs: RouteDocs = {
  'POST /v1/departments': { summary: 'Register a charging department', body: Department, response: Department, status: 201, problems: ['department-exists'] },
  'GET /v1/departments': { summary: 'List departments', response: listOf(Department).omit({ nextCursor: true }) },
  'POST /v1/fee-items': {
    summary: 'Publish a new fee item (version 1)',
    body: CreateFeeItem,
    response: FeeItem,
    status: 201,
    problems: ['fee-item-exists', 'department-unknown', 'retroactive-change'],
  },
  'GET /v1/fee-items': { summary: 'The fee items in force on a date', query: FeeItemsQuery, response: listOf(FeeItem) },
  'GET /v1/fee-items/{code}': { summary: 'A fee item with every version', response: FeeItemHistory, problems: ['not-found'] },
  'PUT /v1/fee-items/{code}': { summary: 'Publish a new version', body: NewFeeItemVersion, response: FeeItem, problems: ['retroactive-change', 'not-found'] },
  'POST /v1/fee-items/{code}/retire': { summary: 'Retire a fee item from a date', body: RetireFeeItem, response: FeeItem, problems: ['retroactive-change', 'fee-item-retired'] },
};
