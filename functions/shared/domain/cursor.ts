import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from './errors';

/**
 * Opaque list cursors: base64url of the DynamoDB LastEvaluatedKey (or any keyset position). Pure, so
 * a domain that hands out cursors of its own (open data's release/row positions) needs no adapter;
 * the HTTP adapter re-exports both.
 */
export function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null;
}

export const invalidCursor = () =>
  new DomainError('validation-failed', 'cursor: not a cursor this API issued', [
    { path: 'cursor', message: 'invalid cursor' },
  ]);

export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* fall through */
  }
  throw invalidCursor();
}

/** Bytes of HMAC-SHA256 kept in a cursor: 128 bits, beyond guessing, and short enough for a URL. */
const TAG_BYTES = 16;

/**
 * Seals a cursor for the client and opens what comes back. The position a cursor holds is a storage
 * key; handed out as is, a client could forge one (`{"k":null}`, a `createdAt` that is an object)
 * and reach a 500, or point it elsewhere. A sealed cursor is base64url of an HMAC tag and the
 * position, the tag computed over the position and the scope it was issued for (route, caller, path
 * parameters), with a key from configuration: a forged, altered or transplanted cursor does not open.
 */
export interface CursorSeal {
  seal(cursor: string, scope: string): string;
  /** The cursor sealed for this scope; throws 400 `validation-failed` naming `cursor` for anything else. */
  open(sealed: string, scope: string): string;
}

export function cursorSeal(secret: string): CursorSeal {
  const tagOf = (cursor: Buffer, scope: string) =>
    createHmac('sha256', secret).update(scope).update('\n').update(cursor).digest().subarray(0, TAG_BYTES);
  return {
    seal(cursor, scope) {
      const bytes = Buffer.from(cursor, 'utf8');
      return Buffer.concat([tagOf(bytes, scope), bytes]).toString('base64url');
    },
    open(sealed, scope) {
      // Strict base64url: one spelling per cursor (no padding, no other alphabet, canonical last bits).
      const raw = Buffer.from(sealed, 'base64url');
      if (!/^[A-Za-z0-9_-]+$/.test(sealed) || raw.toString('base64url') !== sealed || raw.length <= TAG_BYTES)
        throw invalidCursor();
      const cursor = raw.subarray(TAG_BYTES);
      if (!timingSafeEqual(raw.subarray(0, TAG_BYTES), tagOf(cursor, scope))) throw invalidCursor();
      return cursor.toString('utf8');
    },
  };
}
