/**
 * The one module of typed domain errors. Each problem type has a stable slug (part of the API
 * contract: clients branch on it), an HTTP status and a title; the HTTP layer maps a DomainError to
 * RFC 9457 problem+json in exactly one place (shared/http.ts).
 */
export const PROBLEM_BASE = 'https://one-window.example.gov.cn/problems/';

export const problemTypes = {
  // platform
  'validation-failed': { status: 400, title: 'The request is not valid' },
  'malformed-json': { status: 400, title: 'The request body is not valid JSON' },
  unauthorized: { status: 401, title: 'A valid bearer token is required' },
  forbidden: { status: 403, title: 'This caller may not do this' },
  'api-key-required': { status: 403, title: 'A valid x-api-key is required' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported content type' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  'internal-error': { status: 500, title: 'Internal error' },
  'upstream-timeout': {
    status: 504,
    title:
      'The request took longer than the gateway allows; retry (money-moving requests with the same Idempotency-Key)',
  },
  // catalog
  'department-exists': { status: 409, title: 'The department already exists' },
  'department-unknown': { status: 422, title: 'No such department' },
  'fee-item-exists': { status: 409, title: 'A fee item with this code already exists' },
  'retroactive-change': { status: 422, title: 'A fee item version may not take effect in the past' },
  'fee-item-retired': { status: 409, title: 'The fee item is already retired' },
  // notices
  'fee-item-other-department': { status: 403, title: 'A department may only charge its own fee items' },
  'fee-item-unknown': { status: 422, title: 'The fee item is unknown or not in force' },
  'notice-already-paid': { status: 409, title: 'The notice is already paid' },
  'notice-cancelled': { status: 409, title: 'The notice is cancelled' },
  'notice-expired': { status: 409, title: 'The notice is past its due date' },
  // payments
  'amount-mismatch': { status: 422, title: 'The amount does not equal the notices’ total' },
  'bank-ref-duplicate': { status: 409, title: 'This bank reference was already used on this channel' },
  'idempotency-key-required': { status: 400, title: 'An Idempotency-Key header is required' },
  'idempotency-key-reused': { status: 422, title: 'The Idempotency-Key was used with a different request' },
  'idempotency-in-progress': { status: 409, title: 'A request with this Idempotency-Key is still in progress' },
  'refund-exceeds-payment': { status: 422, title: 'Refunds may not exceed the payment' },
  'concurrent-update': { status: 409, title: 'A concurrent request changed this resource; retry' },
  'online-payment-needs-order': {
    status: 422,
    title: 'Online payments are made through a payment order (POST /v1/payment-orders), never posted by the payer',
  },
  // payment orders
  'notice-payment-pending': {
    status: 409,
    title: 'An online payment order holds this notice until it ends (see expiresAt)',
  },
  'order-not-open': { status: 409, title: 'The payment order is no longer open' },
  'order-not-payable': { status: 409, title: 'The payment order can no longer be paid' },
  'order-not-refundable': {
    status: 409,
    title: 'Only an anomalous payment order (money at the provider, no payment) is refunded this way',
  },
  'provider-unconfirmed': {
    status: 409,
    title: 'The payment provider has not confirmed this yet; retry later',
  },
  // ledger and finance
  'ledger-invariant-violated': { status: 500, title: 'A ledger invariant would be violated' },
  'day-closed': { status: 409, title: 'The business day is closed' },
  'day-not-over': { status: 409, title: 'The business day has not ended' },
  'unresolved-differences': { status: 409, title: 'The reconciliation has unresolved differences' },
  'statement-row-invalid': { status: 422, title: 'A statement row is invalid' },
  'allocation-exceeded': { status: 422, title: 'The expenditure exceeds the allocation' },
  'reconciliation-closed': { status: 409, title: 'The reconciliation is already closed' },
  'reconciliation-superseded': { status: 409, title: 'A newer run of this reconciliation exists' },
  'statement-unknown': { status: 422, title: 'No such bank statement for this business date' },
  'difference-unknown': { status: 422, title: 'The reconciliation has no difference with this itemRef' },
  'difference-already-resolved': { status: 409, title: 'The difference is already resolved' },
  'allocation-unknown': { status: 422, title: 'No such budget allocation' },
  // open data
  'dataset-unknown': { status: 404, title: 'No such open dataset' },
  'release-unknown': { status: 404, title: 'No such release of this dataset' },
  'disclosure-unresolved': {
    status: 409,
    title: 'Small-cell suppression could not protect every cell; nothing was published',
  },
  'publication-job-unknown': { status: 404, title: 'No such publication job (jobs are kept 30 days)' },
  'management-token-invalid': { status: 403, title: 'The management token does not prove ownership of this key' },
  // webhooks
  'webhook-url-not-allowed': {
    status: 422,
    title: 'Webhook endpoints must be https URLs of public addresses',
  },
  'webhook-endpoint-limit': { status: 409, title: 'The department has as many webhook endpoints as it may' },
  // audit trail
  'audit-day-open': { status: 409, title: 'The audit day is not sealed yet; proofs exist once it has ended' },
  'audit-proof-unavailable': { status: 409, title: 'The event is not under its day’s signed root; verify the day' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemType = keyof typeof problemTypes;

export interface FieldError {
  path: string;
  message: string;
}

export class DomainError extends Error {
  readonly status: number;
  readonly title: string;

  constructor(
    readonly type: ProblemType,
    detail?: string,
    readonly errors?: FieldError[],
    /** Extra headers the problem response needs (e.g. Retry-After). */
    readonly headers?: Record<string, string>,
    /** RFC 9457 extension members the contract names (e.g. `expiresAt` of notice-payment-pending). */
    readonly extensions?: { expiresAt?: string },
  ) {
    super(detail ?? problemTypes[type].title);
    this.status = problemTypes[type].status;
    this.title = problemTypes[type].title;
  }
}

export function validationFailed(errors: FieldError[]): DomainError {
  return new DomainError(
    'validation-failed',
    errors.map((e) => `${e.path || '(body)'}: ${e.message}`).join('; '),
    errors,
  );
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  expiresAt?: string;
}

export function problemOf(err: DomainError): ProblemDocument {
  return {
    type: PROBLEM_BASE + err.type,
    title: err.title,
    status: err.status,
    detail: err.message,
    ...(err.errors ? { errors: err.errors } : {}),
    ...(err.extensions ?? {}),
  };
}
