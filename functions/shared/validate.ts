import type { z } from 'zod';
import { validationFailed, type FieldError } from './errors';

/** Parses with a zod schema; on failure throws 400 `validation-failed` with one entry per bad field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const issue of result.error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    for (const p of keys) {
      const path = [prefix, ...p.map(String)].filter(Boolean).join('.');
      const message = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
      if (seen.has(path)) continue; // one entry per bad field
      seen.add(path);
      errors.push({ path, message });
    }
  }
  throw validationFailed(errors);
}
