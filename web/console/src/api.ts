import type { Problem } from './format';
import { useSession } from './session';

/**
 * The API on this origin (`/v1`), with the signed-in staff member's access token. A problem answer
 * is thrown as ApiError carrying the problem (format.ts turns it into a sentence); 401 ends the
 * session, so the console asks for sign-in again.
 */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? problem.type);
  }
}

export interface Call {
  body?: unknown;
  /** Sent as is (e.g. a CSV statement). */
  raw?: { body: BodyInit; type: string };
  query?: Record<string, string | number | undefined | null>;
  idempotent?: boolean;
}

export async function api<T = any>(method: string, path: string, call: Call = {}): Promise<T> {
  const session = useSession();
  const headers: Record<string, string> = {};
  const token = session.accessToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (call.idempotent) headers['idempotency-key'] = crypto.randomUUID();
  let body: BodyInit | undefined;
  if (call.raw) {
    headers['content-type'] = call.raw.type;
    body = call.raw.body;
  } else if (call.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(call.body);
  }
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const res = await fetch(`/v1${path}${q.size ? `?${q}` : ''}`, { method, headers, body });
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : undefined;
  if (res.status === 401) session.lost();
  if (!res.ok) throw new ApiError(parsed?.type ? parsed : { type: 'about:blank', status: res.status, title: res.statusText });
  return parsed as T;
}

/** Department id → name, loaded once (GET /v1/departments is public). */
let departments: Promise<Map<string, string>> | undefined;
export function departmentNames(): Promise<Map<string, string>> {
  departments ??= api<{ items: { id: string; name: string }[] }>('GET', '/departments').then(
    (r) => new Map(r.items.map((d) => [d.id, d.name])),
    () => new Map(),
  );
  return departments;
}
export const forgetDepartments = (): void => {
  departments = undefined;
};
