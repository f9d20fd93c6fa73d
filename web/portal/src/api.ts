/**
 * The portal's only way to the API (docs/API.md): same origin, JSON in and out. A failure becomes an
 * ApiError carrying the problem+json the API answered (or a `network` problem when nothing answered),
 * so views can say what happened in plain words (problemText).
 */
import { beijingTime } from '../../shared/format';

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: { path: string; message: string }[];
  expiresAt?: string;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
  }
  /** The stable slug that ends the problem type (`.../notice-payment-pending` → `notice-payment-pending`). */
  get slug(): string {
    if (this.problem.status === 0) return 'network';
    return this.problem.type?.split('/').pop() ?? String(this.problem.status);
  }
}

export async function call<T>(
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    });
  } catch {
    throw new ApiError({ status: 0 });
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) throw new ApiError({ ...(json && typeof json === 'object' ? json : {}), status: res.status } as Problem);
  return json as T;
}

type Translate = (key: string, values?: Record<string, unknown>) => string;
type Has = (key: string) => boolean;

/** A failure in the payer's words; the problem's own English detail is never shown to a payer. */
export function problemText(e: unknown, t: Translate, te: Has): string {
  if (!(e instanceof ApiError)) return t('problem.generic', { status: '?' });
  const slug = e.slug;
  if (slug === 'validation-failed')
    return t('problem.validation-failed', { fields: (e.problem.errors ?? []).map((x) => x.path).join(', ') });
  if (slug === 'notice-payment-pending')
    return t('problem.notice-payment-pending', {
      until: e.problem.expiresAt ? beijingTime(e.problem.expiresAt, false) : '—',
    });
  if (te(`problem.${slug}`)) return t(`problem.${slug}`);
  return t('problem.generic', { status: e.problem.status });
}

// ---- Shapes of the responses the portal reads (docs/API.md) -------------------------------------
export interface Department {
  id: string;
  name: string;
}
export interface FeeItem {
  code: string;
  name: string;
  departmentId: string;
  category: string;
  legalBasis: string;
  approvedBy: string;
  pricing: { kind: 'fixed'; amount: number } | { kind: 'per-unit'; unitAmount: number; unit: string };
  effectiveFrom: string;
  effectiveTo?: string;
  version: number;
}
export interface Notice {
  noticeNo: string;
  departmentId: string;
  payer: { name: string; idType: string; idNumber: string };
  lines: { feeCode: string; name: string; quantity: number; unitAmount: number; amount: number }[];
  total: number;
  status: 'issued' | 'paid' | 'cancelled' | 'expired';
  issuedAt: string;
  dueDate: string;
  paymentId?: string;
  paidAt?: string;
}
export interface Receipt {
  receiptNo: string;
  checkCode: string;
  kind: 'payment' | 'reversal';
  paymentId: string;
  originalReceiptNo?: string;
  payerName: string;
  lines: { noticeNo: string; departmentId: string; feeCode: string; name: string; quantity: number; amount: number }[];
  total: number;
  issuer: string;
  issuedAt: string;
  status: 'valid' | 'partially-reversed' | 'reversed';
}
export interface PaymentOrder {
  orderId: string;
  orderToken?: string;
  status: 'created' | 'succeeded' | 'failed' | 'expired' | 'cancelled' | 'anomalous';
  amount: number;
  noticeNos?: string[];
  expiresAt: string;
  redirectUrl?: string;
  receipt?: Receipt;
}

/** Departments by id, for showing names instead of codes; an empty map when the list cannot be read. */
let departments: Promise<Map<string, string>> | undefined;
export function departmentNames(): Promise<Map<string, string>> {
  departments ??= call<{ items: Department[] }>('GET', '/v1/departments?limit=500')
    .then((r) => new Map(r.items.map((d) => [d.id, d.name])))
    .catch(() => {
      departments = undefined;
      return new Map<string, string>();
    });
  return departments;
}
