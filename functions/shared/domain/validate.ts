import type * as z from 'zod/mini';
import { validationFailed, type FieldError } from './errors';

/**
 * How a key the caller chose appears in an error path: as itself when it looks like a field name,
 * else as `(key)`. An unknown key or a record key may be anything, a payer's name or ID number
 * included, and problem documents never echo personal data.
 */
export function fieldKey(key: PropertyKey): string {
  if (typeof key === 'number') return String(key);
  return typeof key === 'string' && /^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(key) ? key : '(key)';
}

/** Parses with a zod schema; on failure throws 400 `validation-failed` with one entry per bad field. */
export function parseWith<S extends z.ZodMiniType>(schema: S, value: unknown, prefix = ''): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const issue of closestIssues(result.error.issues)) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    for (const p of keys) {
      const path = [prefix, ...p.map(fieldKey)].filter(Boolean).join('.');
      const message = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
      if (seen.has(path)) continue; // one entry per bad field
      seen.add(path);
      errors.push({ path, message });
    }
  }
  throw validationFailed(errors);
}

type Issue = z.core.$ZodIssue;

/**
 * A union that matched no branch reports only "Invalid input" at its own path; to name the bad
 * fields (API.md: one entry per bad field) its issues are replaced by those of the branch that came
 * closest (fewest issues; the first on a tie), with paths made absolute.
 */
function closestIssues(issues: readonly Issue[]): Issue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
    const best = issue.errors.reduce((a, b) => (b.length < a.length ? b : a));
    if (best.length === 0) return [issue];
    return closestIssues(best.map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as Issue));
  });
}
