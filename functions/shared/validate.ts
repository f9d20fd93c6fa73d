import type { z } from 'zod';
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
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const issue of result.error.issues) {
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
