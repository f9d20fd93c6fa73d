import { createHash, timingSafeEqual } from 'node:crypto';
import type { Role } from '../../../schemas/routes';

/**
 * The local OpenID Provider's demo accounts (docs/API.md "Staff sign-in"): one per role, with the
 * department and window the seed data has (`npm run seed:demo` creates department D01). One password
 * for all, `demo` unless DEMO_PASSWORD is set. Never deployed: the deployed stack trusts a real
 * identity provider (Cognito or the configured one, docs/adr/0018).
 */
export interface DemoAccount {
  username: string;
  name: string;
  role: Role;
  dept?: string;
  window?: string;
}

export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  { username: 'admin', name: '系统管理员', role: 'admin' },
  { username: 'finance', name: '财政局会计', role: 'finance' },
  { username: 'auditor', name: '审计员', role: 'auditor' },
  { username: 'dept-d01', name: '公安局经办人', role: 'department', dept: 'D01' },
  { username: 'clerk-w01', name: '一号窗口收费员', role: 'clerk', window: 'W01' },
];

export function findDemoAccount(username: string): DemoAccount | undefined {
  return DEMO_ACCOUNTS.find((a) => a.username === username);
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** The account when the password is right; compared in constant time (over digests of equal length). */
export function checkPassword(username: string, password: string, demoPassword: string): DemoAccount | undefined {
  const account = findDemoAccount(username);
  const ok = timingSafeEqual(digest(password), digest(demoPassword));
  return account && ok ? account : undefined;
}

/** The claims the API's authorizer reads (role, dept, window), without empty ones. */
export function roleClaims(a: DemoAccount): { role: Role; dept?: string; window?: string } {
  return { role: a.role, ...(a.dept ? { dept: a.dept } : {}), ...(a.window ? { window: a.window } : {}) };
}
