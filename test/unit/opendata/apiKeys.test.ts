import { describe, expect, it } from 'vitest';
import {
  deriveApiKey,
  hashApiKey,
  issueApiKey,
  revealApiKey,
  verifyApiKey,
} from '../../../functions/opendata/domain/apiKeys';
import type { ApiKeyRegistry } from '../../../functions/opendata/ports';
import { MemoryApiKeyStore, MemoryKeyDeriver } from './memoryStores';

const AT = new Date('2025-07-15T04:00:00.000Z');
const consumer = { name: 'Open Data Lab', email: 'lab@example.org', purpose: 'research' };

function world() {
  const registered: { keyId: string; value: string }[] = [];
  const registry: ApiKeyRegistry = { register: async (k) => void registered.push(k) };
  return { keys: new MemoryApiKeyStore(), registry, deriver: new MemoryKeyDeriver(), registered };
}

describe('open-data API keys', () => {
  it('issues a key derived from its id, a management token, and stores neither in clear', async () => {
    const w = world();
    const issued = await issueApiKey(w, consumer, AT);
    expect(issued).toEqual({
      apiKey: expect.stringMatching(/^odk_[A-Za-z0-9_-]{32}$/),
      keyId: expect.stringMatching(/^[0-9a-f]{16}$/),
      managementToken: expect.stringMatching(/^odm_[A-Za-z0-9_-]{32}$/),
      createdAt: AT.toISOString(),
    });
    expect(issued.apiKey).toBe(await deriveApiKey(w.deriver, issued.keyId));
    expect(w.registered).toEqual([{ keyId: issued.keyId, value: issued.apiKey }]);
    const stored = JSON.stringify([...w.keys.records.values()]);
    expect(stored).not.toContain(issued.apiKey);
    expect(stored).not.toContain(issued.managementToken);
    expect(await verifyApiKey(w.keys, issued.apiKey)).toBe(issued.keyId);
    // Another server key derives other keys: the id alone gives nothing away.
    expect(await deriveApiKey(new MemoryKeyDeriver('another'), issued.keyId)).not.toBe(issued.apiKey);
  });

  it('shows the key again to whoever presents its id and management token', async () => {
    const w = world();
    const issued = await issueApiKey(w, consumer, AT);
    expect(await revealApiKey(w, issued.keyId, issued.managementToken)).toEqual({
      apiKey: issued.apiKey,
      keyId: issued.keyId,
      createdAt: issued.createdAt,
    });
  });

  it('gives one answer to a wrong token, an unknown id and a key issued before keys were derived', async () => {
    const w = world();
    const issued = await issueApiKey(w, consumer, AT);
    const other = await issueApiKey(w, consumer, AT);
    // A key from before: random, no management token kept.
    await w.keys.put({
      keyHash: hashApiKey('odk_legacy'),
      keyId: hashApiKey('odk_legacy').slice(0, 16),
      ...consumer,
      createdAt: AT.toISOString(),
    });
    const refusals = [
      revealApiKey(w, issued.keyId, other.managementToken),
      revealApiKey(w, '0123456789abcdef', issued.managementToken),
      revealApiKey(w, hashApiKey('odk_legacy').slice(0, 16), issued.managementToken),
    ];
    for (const r of refusals)
      await expect(r).rejects.toMatchObject({
        type: 'management-token-invalid',
        message: 'The management token does not prove ownership of this key',
      });
  });
});
