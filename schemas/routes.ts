/**
 * THE route table. The CDK stack builds API Gateway resources and methods from it, the local gateway
 * matches requests against it, and each function's router checks the caller's role against it.
 * A route belongs to exactly one function (bounded context).
 */
export const ROLES = ['admin', 'finance', 'department', 'clerk', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** The bounded contexts that serve HTTP; each is one Lambda function with one router. */
export const HTTP_FUNCTIONS = [
  'platform',
  'catalog',
  'notices',
  'payments',
  'orders',
  'ledger',
  'finance',
  'opendata',
  'webhooks',
  'audit',
] as const;
export type HttpFunctionName = (typeof HTTP_FUNCTIONS)[number];

/**
 * - `public`: no authorizer; anyone.
 * - `token`: the authorizer must accept a bearer token whose role is in `roles`.
 * - `optional`: the authorizer runs; no token means an anonymous caller, whom the handler restricts
 *   (e.g. a payer holding a check code). A present but bad token is still 401.
 * - `apiKey`: open-data consumers; `x-api-key` checked against issued keys (usage plan when deployed).
 */
export type Access =
  | { kind: 'public' }
  | { kind: 'token'; roles: readonly Role[] }
  | { kind: 'optional'; roles: readonly Role[] }
  | { kind: 'apiKey' };

/** Raw-text request bodies: bank statements, and provider notifications (signed over their form fields). */
export type BodyType = 'text/csv' | 'application/x-www-form-urlencoded';

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway resource path with `{param}` placeholders; also `event.resource` in the handler. */
  path: string;
  fn: HttpFunctionName;
  access: Access;
  /** Request body content type when not JSON (handed to the handler as raw text). */
  bodyType?: BodyType;
}

const pub: Access = { kind: 'public' };
const apiKey: Access = { kind: 'apiKey' };
const token = (...roles: Role[]): Access => ({ kind: 'token', roles });
const optional = (...roles: Role[]): Access => ({ kind: 'optional', roles });

export const routes = [
  // Platform
  { method: 'GET', path: '/v1/health', fn: 'platform', access: pub },
  { method: 'GET', path: '/v1/openapi.json', fn: 'platform', access: pub },

  // Catalog (收费公示)
  { method: 'POST', path: '/v1/departments', fn: 'catalog', access: token('admin') },
  { method: 'GET', path: '/v1/departments', fn: 'catalog', access: pub },
  { method: 'POST', path: '/v1/fee-items', fn: 'catalog', access: token('admin') },
  { method: 'GET', path: '/v1/fee-items', fn: 'catalog', access: pub },
  { method: 'GET', path: '/v1/fee-items/{code}', fn: 'catalog', access: pub },
  { method: 'PUT', path: '/v1/fee-items/{code}', fn: 'catalog', access: token('admin') },
  { method: 'POST', path: '/v1/fee-items/{code}/retire', fn: 'catalog', access: token('admin') },

  // Payment notices (缴款通知书)
  { method: 'POST', path: '/v1/notices', fn: 'notices', access: token('department') },
  { method: 'GET', path: '/v1/notices', fn: 'notices', access: token('department', 'finance') },
  { method: 'GET', path: '/v1/notices/{noticeNo}', fn: 'notices', access: optional('department', 'clerk', 'finance') },
  { method: 'POST', path: '/v1/notices/{noticeNo}/cancel', fn: 'notices', access: token('department') },

  // Payments (一个窗口收费) and receipts (财政电子票据)
  { method: 'POST', path: '/v1/payments', fn: 'payments', access: optional('clerk') },
  { method: 'GET', path: '/v1/payments', fn: 'payments', access: token('finance', 'auditor') },
  { method: 'GET', path: '/v1/payments/{paymentId}', fn: 'payments', access: token('clerk', 'finance', 'auditor') },
  { method: 'POST', path: '/v1/payments/{paymentId}/refunds', fn: 'payments', access: token('finance') },
  { method: 'GET', path: '/v1/receipts/{receiptNo}', fn: 'payments', access: pub },
  { method: 'POST', path: '/v1/receipts/verify', fn: 'payments', access: pub },
  { method: 'GET', path: '/v1/notices/{noticeNo}/receipt', fn: 'payments', access: pub },
  { method: 'GET', path: '/v1/.well-known/jwks.json', fn: 'payments', access: pub },
  { method: 'GET', path: '/v1/windows/{windowId}/days/{date}', fn: 'payments', access: token('clerk', 'finance') },

  // Payment orders (网上缴费 through a payment provider). The order token (x-order-token) is the
  // holder's credential; the provider's signature is the notification's.
  { method: 'POST', path: '/v1/payment-orders', fn: 'orders', access: pub },
  { method: 'GET', path: '/v1/payment-orders', fn: 'orders', access: token('finance') },
  { method: 'GET', path: '/v1/payment-orders/{orderId}', fn: 'orders', access: optional('clerk', 'finance') },
  { method: 'POST', path: '/v1/payment-orders/{orderId}/cancel', fn: 'orders', access: pub },
  { method: 'POST', path: '/v1/payment-orders/{orderId}/refunds', fn: 'orders', access: token('finance') },
  {
    method: 'POST',
    path: '/v1/payment-providers/{provider}/notifications',
    fn: 'orders',
    access: pub,
    bodyType: 'application/x-www-form-urlencoded',
  },

  // Ledger (收支两条线)
  { method: 'GET', path: '/v1/ledger/trial-balance', fn: 'ledger', access: token('finance', 'auditor') },
  { method: 'GET', path: '/v1/ledger/transactions', fn: 'ledger', access: token('finance', 'auditor') },
  { method: 'GET', path: '/v1/ledger/days/{date}/proof', fn: 'ledger', access: token('auditor', 'finance') },
  { method: 'GET', path: '/v1/ledger/days/{date}/verify', fn: 'ledger', access: token('auditor', 'finance') },
  { method: 'GET', path: '/v1/ledger/jwks.json', fn: 'ledger', access: pub },

  // Finance bureau
  { method: 'POST', path: '/v1/bank-statements', fn: 'finance', access: token('finance'), bodyType: 'text/csv' },
  { method: 'POST', path: '/v1/reconciliations', fn: 'finance', access: token('finance') },
  { method: 'GET', path: '/v1/reconciliations/{id}', fn: 'finance', access: token('finance', 'auditor') },
  { method: 'POST', path: '/v1/reconciliations/{id}/resolutions', fn: 'finance', access: token('finance') },
  { method: 'POST', path: '/v1/reconciliations/{id}/accept', fn: 'finance', access: token('finance') },
  { method: 'POST', path: '/v1/budget-allocations', fn: 'finance', access: token('finance') },
  { method: 'POST', path: '/v1/expenditures', fn: 'finance', access: token('department') },
  { method: 'GET', path: '/v1/reports/separation', fn: 'finance', access: token('finance', 'auditor') },

  // Open data (政府数据开放)
  { method: 'POST', path: '/v1/open/keys', fn: 'opendata', access: pub },
  // The management token in the body is the credential (shown once at sign-up).
  { method: 'POST', path: '/v1/open/keys/{keyId}/reveal', fn: 'opendata', access: pub },
  { method: 'GET', path: '/v1/open/data.json', fn: 'opendata', access: pub },
  { method: 'GET', path: '/v1/open/datasets', fn: 'opendata', access: apiKey },
  { method: 'GET', path: '/v1/open/datasets/{id}', fn: 'opendata', access: apiKey },
  { method: 'GET', path: '/v1/open/datasets/{id}/datapackage.json', fn: 'opendata', access: pub },
  { method: 'GET', path: '/v1/open/datasets/{id}/rows', fn: 'opendata', access: apiKey },
  { method: 'GET', path: '/v1/open/datasets/{id}/releases', fn: 'opendata', access: apiKey },
  { method: 'POST', path: '/v1/open/publish', fn: 'opendata', access: token('admin', 'finance') },
  { method: 'GET', path: '/v1/open/publications/{jobId}', fn: 'opendata', access: token('admin', 'finance') },

  // Webhooks for department systems (开票单位业务系统接口): a department's own endpoints only
  { method: 'POST', path: '/v1/webhook-endpoints', fn: 'webhooks', access: token('department') },
  { method: 'GET', path: '/v1/webhook-endpoints', fn: 'webhooks', access: token('department') },
  { method: 'DELETE', path: '/v1/webhook-endpoints/{id}', fn: 'webhooks', access: token('department') },
  { method: 'GET', path: '/v1/webhook-endpoints/{id}/deliveries', fn: 'webhooks', access: token('department') },
  {
    method: 'POST',
    path: '/v1/webhook-endpoints/{id}/deliveries/{deliveryId}/retry',
    fn: 'webhooks',
    access: token('department'),
  },
  // Audit trail (可追溯、可核查): every POST/PUT/PATCH/DELETE above is audited (ADR 0017)
  { method: 'GET', path: '/v1/audit-events', fn: 'audit', access: token('auditor') },
  { method: 'GET', path: '/v1/audit-events/{id}/proof', fn: 'audit', access: token('auditor') },
  { method: 'GET', path: '/v1/audit/days/{date}/verify', fn: 'audit', access: token('auditor') },
] as const satisfies readonly Route[];

export type AppRoute = (typeof routes)[number];
type KeyOf<R> = R extends { method: infer M extends string; path: infer P extends string } ? `${M} ${P}` : never;
/** `"GET /v1/health"` and so on: the keys of a function's route handlers. */
export type RouteKey<F extends HttpFunctionName = HttpFunctionName> = KeyOf<Extract<AppRoute, { fn: F }>>;

export const routeKey = (r: { method: string; path: string }): string => `${r.method} ${r.path}`;

export function routesOf(fn: HttpFunctionName): Route[] {
  return routes.filter((r) => r.fn === fn);
}
