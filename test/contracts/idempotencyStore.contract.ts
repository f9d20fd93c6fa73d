import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LEASE_MS, type IdempotencyStore } from '../../functions/shared/domain/idempotency';

/**
 * What an IdempotencyStore must do, whatever it is backed by (MemoryWorld, the DynamoDB
 * IdempotencyTable): one in-progress claim per record id, released only by its owner, and taken
 * over only once its lease has run out. (Completion happens inside a use case's commit; the
 * PaymentStore contract covers it.) Each test uses record ids of its own.
 */
const anId = () => `IDEM#contract#${randomUUID()}`;
const T0 = 1_900_000_000_000;

export function describeIdempotencyStoreContract(
  name: string,
  makeStore: () => IdempotencyStore | Promise<IdempotencyStore>,
) {
  describe(`IdempotencyStore contract: ${name}`, () => {
    it('claims a new record id once; a second request finds the first one’s record in progress', async () => {
      const store = await makeStore();
      const id = anId();
      expect(await store.claim(id, 'fp-1', 'owner-1', T0)).toEqual({ claimed: true });
      const second = await store.claim(id, 'fp-2', 'owner-2', T0 + 1);
      expect(second).toMatchObject({
        claimed: false,
        record: { status: 'in-progress', fingerprint: 'fp-1', owner: 'owner-1', leaseUntil: T0 + LEASE_MS },
      });
      expect(second.claimed === false && second.record.response).toBeUndefined();
    });

    it('keeps record ids apart', async () => {
      const store = await makeStore();
      expect(await store.claim(anId(), 'fp', 'owner-1', T0)).toEqual({ claimed: true });
      expect(await store.claim(anId(), 'fp', 'owner-2', T0)).toEqual({ claimed: true });
    });

    it('releases a claim only for its owner; after that the key is free again', async () => {
      const store = await makeStore();
      const id = anId();
      await store.claim(id, 'fp-1', 'owner-1', T0);
      await store.release({ id, owner: 'owner-2' });
      expect(await store.claim(id, 'fp-2', 'owner-2', T0 + 1)).toMatchObject({
        claimed: false,
        record: { owner: 'owner-1' },
      });
      await store.release({ id, owner: 'owner-1' });
      expect(await store.claim(id, 'fp-2', 'owner-2', T0 + 2)).toEqual({ claimed: true });
      expect(await store.claim(id, 'fp-3', 'owner-3', T0 + 3)).toMatchObject({
        claimed: false,
        record: { status: 'in-progress', fingerprint: 'fp-2', owner: 'owner-2' },
      });
    });

    it('releasing a record that is not there does nothing', async () => {
      const store = await makeStore();
      await expect(store.release({ id: anId(), owner: 'owner-1' })).resolves.toBeUndefined();
    });

    it('lets another request take over a claim whose lease ran out, not before', async () => {
      const store = await makeStore();
      const id = anId();
      await store.claim(id, 'fp-1', 'owner-1', T0);
      expect(await store.claim(id, 'fp-2', 'owner-2', T0 + LEASE_MS)).toMatchObject({
        claimed: false,
        record: { owner: 'owner-1' },
      });
      expect(await store.claim(id, 'fp-2', 'owner-2', T0 + LEASE_MS + 1)).toEqual({ claimed: true });
      expect(await store.claim(id, 'fp-3', 'owner-3', T0 + LEASE_MS + 2)).toMatchObject({
        claimed: false,
        record: { status: 'in-progress', fingerprint: 'fp-2', owner: 'owner-2', leaseUntil: T0 + 2 * LEASE_MS + 1 },
      });
      // the first owner, back late, can no longer free the key
      await store.release({ id, owner: 'owner-1' });
      expect(await store.claim(id, 'fp-3', 'owner-3', T0 + LEASE_MS + 3)).toMatchObject({
        claimed: false,
        record: { owner: 'owner-2' },
      });
    });
  });
}
