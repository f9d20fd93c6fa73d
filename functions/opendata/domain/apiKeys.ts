import { createHash, randomBytes } from 'node:crypto';
import type { ApiKeyRequest } from '../../../schemas/opendata';
import { DomainError } from '../../shared/domain/errors';
import type { ApiKeyRegistry, ApiKeyStore, Clock, RateLimiter } from '../ports';

/**
 * Open-data API keys. Sign-up is self-service; the key is shown once and only its SHA-256 is
 * stored. The consumer's name, e-mail and purpose are kept with the hash so the centre can reach
 * them; the e-mail is personal data and never enters a log, a dataset or an API response.
 *
 * Deployed (a usage plan configured), the key is also registered with API Gateway and added to
 * the open-data usage plan, whose throttle and quota API Gateway enforces before any Lambda runs.
 * Locally there is no API Gateway: the no-op registry is the real local adapter, and our own
 * per-key limit (`admit`) is what throttles there, as it also does behind API Gateway.
 */
export const hashApiKey = (apiKey: string): string => createHash('sha256').update(apiKey, 'utf8').digest('hex');

export async function issueApiKey(store: ApiKeyStore, registry: ApiKeyRegistry, input: ApiKeyRequest, at: Date) {
  const apiKey = `odk_${randomBytes(24).toString('base64url')}`;
  const keyHash = hashApiKey(apiKey);
  const keyId = keyHash.slice(0, 16);
  // Registered first: a key API Gateway knows but our store lacks is refused by the handler anyway.
  await registry.register({ keyId, value: apiKey });
  await store.put({
    keyHash,
    keyId,
    name: input.name,
    email: input.email,
    purpose: input.purpose,
    createdAt: at.toISOString(),
  });
  return { apiKey, keyId, createdAt: at.toISOString() };
}

/** The key's id, or 403 api-key-required when the header is missing or the key unknown. */
export async function verifyApiKey(store: ApiKeyStore, header: string | undefined): Promise<string> {
  if (!header || header.length > 200)
    throw new DomainError('api-key-required', 'Send your key in x-api-key; get one at POST /v1/open/keys');
  const record = await store.get(hashApiKey(header));
  if (!record) throw new DomainError('api-key-required', 'The x-api-key is not a key this service issued');
  return record.keyId;
}

/** Sign-ups per caller address (a hash of it: the address is personal data), kept 2 minutes by TTL. */
export const SIGN_UP_LIMIT = { limit: 30, windowSeconds: 60 };

/** Who may read open data: sign-up, and the key check with its per-key rate limit. */
export class OpenDataAccess {
  constructor(
    private readonly deps: {
      keys: ApiKeyStore;
      registry: ApiKeyRegistry;
      limiter: RateLimiter;
      clock: Clock;
      /** `<requests>/<seconds>` per API key (API Gateway's usage plan throttles too when deployed). */
      perKey: { requests: number; seconds: number };
    },
  ) {}

  /** Issues a key to `caller` (the hashed address), within the sign-up limit. */
  async signUp(caller: string, input: ApiKeyRequest) {
    await this.deps.limiter.enforce({ scope: 'opendata-signup', client: caller, ...SIGN_UP_LIMIT });
    return issueApiKey(this.deps.keys, this.deps.registry, input, this.deps.clock.now());
  }

  /** Lets a consumer's request through: a key this service issued, within its rate limit. */
  async admit(apiKeyHeader: string | undefined): Promise<void> {
    const keyId = await verifyApiKey(this.deps.keys, apiKeyHeader);
    const { requests, seconds } = this.deps.perKey;
    await this.deps.limiter.enforce({ scope: 'opendata', client: keyId, limit: requests, windowSeconds: seconds });
  }
}
