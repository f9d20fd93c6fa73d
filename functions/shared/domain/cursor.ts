import { DomainError } from './errors';

/**
 * Opaque list cursors: base64url of the DynamoDB LastEvaluatedKey (or any keyset position). Pure, so
 * a domain that hands out cursors of its own (open data's release/row positions) needs no adapter;
 * the HTTP adapter re-exports both.
 */
export function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null;
}

export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* fall through */
  }
  throw new DomainError('validation-failed', 'cursor: not a cursor this API issued', [
    { path: 'cursor', message: 'invalid cursor' },
  ]);
}
