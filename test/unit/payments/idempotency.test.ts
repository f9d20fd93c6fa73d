import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  fingerprintOf,
  idempotently,
  parseIdempotencyKey,
} from '../../../functions/shared/domain/idempotency';
import { MemoryWorld } from './memoryWorld';
import { clerk } from './fixtures';

describe('Idempotency-Key helpers', () => {
  it('requires a key of 1-255 characters', () => {
    expect(() => parseIdempotencyKey(undefined)).toThrow(expect.objectContaining({ type: 'idempotency-key-required' }));
    expect(() => parseIdempotencyKey('')).toThrow(expect.objectContaining({ type: 'idempotency-key-required' }));
    expect(() => parseIdempotencyKey('k'.repeat(256))).toThrow(
      expect.objectContaining({ type: 'idempotency-key-required' }),
    );
    expect(parseIdempotencyKey('k'.repeat(255))).toHaveLength(255);
  });

  it('fingerprints the request independently of field order, and the caller with it', () => {
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: 'x', u: undefined })).toBe('{"a":"x","b":[1,{"c":2,"d":1}]}');
    expect(fingerprintOf(clerk, { a: 1, b: 2 })).toBe(fingerprintOf(clerk, { b: 2, a: 1 }));
    expect(fingerprintOf(clerk, { a: 1 })).not.toBe(
      fingerprintOf({ ...clerk, sub: 'clerk:W02', window: 'W02' }, { a: 1 }),
    );
  });

  it('runs the work once, replays its stored response, and frees the key when the work fails', async () => {
    const store = new MemoryWorld();
    let runs = 0;
    const opts = { scope: 's', key: 'k', fingerprint: 'f', owner: 'o1', nowMs: 0 };
    const work = async (claim: { id: string; owner: string }) => {
      runs++;
      const response = { status: 201, body: { n: runs } };
      const r = store.idempotency.get(claim.id)!;
      store.idempotency.set(claim.id, { ...r, status: 'completed', response }); // stands in for the commit
      return response;
    };
    await expect(idempotently(store, opts, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(store.idempotency.size).toBe(0);
    expect(await idempotently(store, opts, work)).toEqual({ status: 201, body: { n: 1 }, replayed: false });
    expect(await idempotently(store, { ...opts, owner: 'o2' }, work)).toEqual({
      status: 201,
      body: { n: 1 },
      replayed: true,
    });
    await expect(idempotently(store, { ...opts, fingerprint: 'g' }, work)).rejects.toMatchObject({
      type: 'idempotency-key-reused',
    });
    expect(runs).toBe(1);
  });
});
