import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cursorSeal, decodeCursor, encodeCursor } from '../../../functions/shared/domain/cursor';

/** Sealed list cursors: only what this API sealed, for this scope and with this key, opens. */
const seal = cursorSeal('a test key of at least thirty-two characters');
const SCOPE = '["GET","/v1/notices","department","D01","",[]]';
const position = encodeCursor({ k: { pk: 'N#1', sk: 'NOTICE', gsi1pk: 'NDEPT#D01', gsi1sk: '2026-03-01#1' } })!;
const refused = (f: () => unknown) =>
  expect(f).toThrow(
    expect.objectContaining({ type: 'validation-failed', errors: [{ path: 'cursor', message: 'invalid cursor' }] }),
  );

describe('sealed cursors', () => {
  it('opens what it sealed for the same scope, as opaque base64url', () => {
    const sealed = seal.seal(position, SCOPE);
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(seal.open(sealed, SCOPE)).toBe(position);
    expect(decodeCursor(seal.open(sealed, SCOPE))).toEqual(decodeCursor(position));
  });

  it('refuses a cursor sealed for another scope or with another key', () => {
    const sealed = seal.seal(position, SCOPE);
    refused(() => seal.open(sealed, SCOPE.replace('D01', 'D02')));
    refused(() => seal.open(sealed, '["GET","/v1/payments","department","D01","",[]]'));
    refused(() => cursorSeal('another key, also thirty-two characters long').open(sealed, SCOPE));
  });

  it('refuses the unsealed cursors that reached a 500 ({"k":null}, a createdAt that is an object)', () => {
    for (const crafted of [
      'eyJrIjpudWxsfQ',
      encodeCursor({ createdAt: {}, id: 'x' })!,
      encodeCursor({ k: null })!,
      position,
      '',
    ])
      if (crafted) refused(() => seal.open(crafted, SCOPE));
  });

  it('refuses every single-character change, truncation and extension of a sealed cursor', () => {
    const sealed = seal.seal(position, SCOPE);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < sealed.length; i++) {
      const other = alphabet[(alphabet.indexOf(sealed[i]!) + 1 + (i % 63)) % 64]!;
      refused(() => seal.open(sealed.slice(0, i) + other + sealed.slice(i + 1), SCOPE));
      refused(() => seal.open(sealed.slice(0, i), SCOPE));
    }
    for (const tail of ['A', '=', '==', '.', ' ', '%3D']) refused(() => seal.open(sealed + tail, SCOPE));
    // A character of plain base64, not base64url: refused.
    refused(() => seal.open(`+${sealed.slice(1)}`, SCOPE));
  });

  it('refuses random strings and random JSON positions (fuzz)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        refused(() => seal.open(s || 'x', SCOPE));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const raw = Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url');
        refused(() => seal.open(raw || 'x', SCOPE));
      }),
      { numRuns: 500 },
    );
  });
});
