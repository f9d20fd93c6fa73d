import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { idempotencyTable } from '../../../functions/shared/wiring';

/** IdempotencyTable.complete: accept's answer stored on its own, for the claim's owner only. */
const T0 = 1_900_000_000_000;

describe('IdempotencyTable.complete on DynamoDB Local', () => {
  it('stores the answer of a claim still ours; a later request finds it completed', async () => {
    const store = idempotencyTable();
    const id = `IDEM#test#${randomUUID()}`;
    await store.claim(id, 'fp', 'owner-1', T0);
    await store.complete({ id, owner: 'owner-1' }, { status: 200, body: { status: 'closed', n: 1 } }, T0 + 1);
    expect(await store.claim(id, 'fp', 'owner-2', T0 + 2)).toEqual({
      claimed: false,
      record: expect.objectContaining({
        status: 'completed',
        fingerprint: 'fp',
        response: { status: 200, body: { status: 'closed', n: 1 } },
      }),
    });
  });

  it('leaves a claim another request took over to that request', async () => {
    const store = idempotencyTable();
    const id = `IDEM#test#${randomUUID()}`;
    await store.claim(id, 'fp', 'owner-1', T0);
    await expect(store.complete({ id, owner: 'owner-2' }, { status: 200, body: {} }, T0 + 1)).resolves.toBeUndefined();
    expect(await store.claim(id, 'fp', 'owner-3', T0 + 2)).toMatchObject({
      claimed: false,
      record: { status: 'in-progress', owner: 'owner-1' },
    });
  });
});
