import * as z from 'zod/mini';
import { BusinessDate, Cursor, DepartmentId, FeeCode, Limit, listOf, PositiveFen, text } from './common';
import { lazily, type RouteDocs } from './docs';

export const Department = z.strictObject({ id: DepartmentId, name: text(200) }).check(z.meta({ id: 'Department' }));
export type Department = z.infer<typeof Department>;

export const FEE_CATEGORIES = ['administrative-fee', 'government-fund', 'fine', 'other'] as const;

export const Pricing = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('fixed'), amount: PositiveFen }),
    z.strictObject({ kind: z.literal('per-unit'), unitAmount: PositiveFen, unit: text(50) }),
  ])
  .check(z.meta({ id: 'Pricing', description: 'The published standard, in integer fen' }));
export type Pricing = z.infer<typeof Pricing>;

/** The fields a version publishes; departmentId is fixed at creation and never changes. */
const versionFields = {
  name: text(200),
  category: z.enum(FEE_CATEGORIES),
  legalBasis: text(1000, 'the legal basis (收费依据) is required'),
  approvedBy: text(200, 'the approving authority (批准机关) is required'),
  pricing: Pricing,
  effectiveFrom: z.optional(BusinessDate),
  effectiveTo: z.optional(BusinessDate),
};

const toAfterFrom = z.refine<{ effectiveFrom?: string; effectiveTo?: string }>(
  (v) => !v.effectiveFrom || !v.effectiveTo || v.effectiveTo >= v.effectiveFrom,
  {
    message: 'must not be before effectiveFrom',
    path: ['effectiveTo'],
  },
);

export const CreateFeeItem = z
  .strictObject({ code: FeeCode, departmentId: DepartmentId, ...versionFields })
  .check(toAfterFrom, z.meta({ id: 'CreateFeeItem' }));
export type CreateFeeItem = z.infer<typeof CreateFeeItem>;

export const NewFeeItemVersion = z.strictObject(versionFields).check(toAfterFrom, z.meta({ id: 'NewFeeItemVersion' }));
export type NewFeeItemVersion = z.infer<typeof NewFeeItemVersion>;

export const RetireFeeItem = z.strictObject({ effectiveTo: BusinessDate }).check(z.meta({ id: 'RetireFeeItem' }));

export const FeeItemsQuery = z.strictObject({
  department: z.optional(DepartmentId),
  asOf: z.optional(BusinessDate),
  limit: Limit,
  cursor: z.optional(Cursor),
});

/** Response shapes and the route docs: built on first use (OpenAPI document, tests), not at cold start. */
export const catalogDocs = lazily(() => {
  const FeeItem = z
    .object({
      code: FeeCode,
      name: z.string(),
      departmentId: DepartmentId,
      category: z.enum(FEE_CATEGORIES),
      legalBasis: z.string(),
      approvedBy: z.string(),
      pricing: Pricing,
      effectiveFrom: BusinessDate,
      effectiveTo: z.optional(BusinessDate),
      version: z.int().check(z.gte(1)),
      publishedAt: z.string(),
    })
    .check(z.meta({ id: 'FeeItem', description: 'One immutable version of a fee item' }));
  const FeeItemHistory = z
    .object({ current: z.nullable(FeeItem), versions: z.array(FeeItem) })
    .check(z.meta({ id: 'FeeItemHistory' }));
  // The handlers look the code up as given: one that cannot exist is simply not found (404).
  const CodeParams = z.strictObject({ code: FeeCode });
  const routes: RouteDocs = {
    'POST /v1/departments': {
      summary: 'Register a charging department',
      body: Department,
      response: Department,
      status: 201,
      problems: ['department-exists'],
    },
    'GET /v1/departments': { summary: 'List departments', response: z.omit(listOf(Department), { nextCursor: true }) },
    'POST /v1/fee-items': {
      summary: 'Publish a new fee item (version 1)',
      body: CreateFeeItem,
      response: FeeItem,
      status: 201,
      problems: ['fee-item-exists', 'department-unknown', 'retroactive-change'],
    },
    'GET /v1/fee-items': {
      summary: 'The fee items in force on a date',
      query: FeeItemsQuery,
      response: listOf(FeeItem),
    },
    'GET /v1/fee-items/{code}': {
      summary: 'A fee item with every version',
      params: CodeParams,
      response: FeeItemHistory,
      problems: ['not-found'],
    },
    'PUT /v1/fee-items/{code}': {
      summary: 'Publish a new version',
      params: CodeParams,
      body: NewFeeItemVersion,
      response: FeeItem,
      problems: ['retroactive-change', 'not-found', 'concurrent-update'],
    },
    'POST /v1/fee-items/{code}/retire': {
      summary: 'Retire a fee item from a date',
      params: CodeParams,
      body: RetireFeeItem,
      response: FeeItem,
      problems: ['retroactive-change', 'fee-item-retired', 'not-found', 'concurrent-update'],
    },
  };
  return { schemas: { FeeItem, FeeItemHistory }, routes };
});
export type FeeItem = z.infer<ReturnType<typeof catalogDocs>['schemas']['FeeItem']>;
