import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ApiKeyRecord, ApiKeyStore } from '../../functions/opendata/ports';

/**
 * The ApiKeyStore contract (functions/opendata/ports.ts), run against the in-memory fake
 * (test/unit/opendata) and the OpenData table adapter (test/integration/opendata). Every test uses
 * a hash of its own, so runs against the shared DynamoDB Local never collide.
 */
const keyRecord = (over: Partial<ApiKeyRecord> = {}): ApiKeyRecord => {
  const keyHash = createHash('sha256').update(randomUUID()).digest('hex');
  return {
    keyHash,
    keyId: keyHash.slice(0, 16),
    name: 'Contract Lab',
    email: `contract.${keyHash.slice(0, 8)}@example.org`,
    purpose: 'contract test',
    createdAt: '2025-07-15T04:00:00.000Z',
    managementTokenHash: createHash('sha256').update(keyHash).digest('hex'),
    ...over,
  };
};

export function describeApiKeyStoreContract(name: string, makeStore: () => ApiKeyStore): void {
  describe(`ApiKeyStore contract: ${name}`, () => {
    it('returns the record put under its hash, and nothing else with it', async () => {
      const store = makeStore();
      const record = keyRecord();
      await store.put(record);
      expect(await store.get(record.keyHash)).toEqual(record);
    });

    it('has nothing under a hash it was never given', async () => {
      const store = makeStore();
      expect(await store.get(keyRecord().keyHash)).toBeUndefined();
    });

    it('refuses a second record under the same hash, and the first stays', async () => {
      const store = makeStore();
      const first = keyRecord();
      await store.put(first);
      await expect(store.put({ ...first, name: 'Someone else', email: 'other@example.org' })).rejects.toThrow();
      expect(await store.get(first.keyHash)).toEqual(first);
    });
  });
}
