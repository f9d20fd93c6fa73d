import { ROLES, type Role } from '../../../schemas/routes';

/**
 * The caller as the authorizer established it, and its round trip through API Gateway's authorizer
 * context. Kept apart from auth.ts so API functions, which only read the context, do not load jose
 * and the claims schema at cold start (only the authorizer verifies tokens).
 */
/** Who is calling, as the authorizer established it. `anonymous` only on routes that allow it. */
export interface Principal {
  role: Role | 'anonymous';
  sub: string;
  dept?: string;
  window?: string;
}

export const ANONYMOUS: Principal = { role: 'anonymous', sub: 'anonymous' };

/** The authorizer hands the principal to the function as string context values. */
export function principalToContext(p: Principal): Record<string, string> {
  return { role: p.role, sub: p.sub, ...(p.dept ? { dept: p.dept } : {}), ...(p.window ? { window: p.window } : {}) };
}

export function principalFromContext(ctx: Record<string, unknown> | null | undefined): Principal {
  if (!ctx || typeof ctx.role !== 'string') return ANONYMOUS;
  const role = (ROLES as readonly string[]).includes(ctx.role) ? (ctx.role as Role) : 'anonymous';
  return {
    role,
    sub: typeof ctx.sub === 'string' ? ctx.sub : 'anonymous',
    dept: typeof ctx.dept === 'string' ? ctx.dept : undefined,
    window: typeof ctx.window === 'string' ? ctx.window : undefined,
  };
}
