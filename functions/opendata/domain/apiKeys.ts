import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyRequest } from '../../../schemas/opendata';
import { DomainError } from '../../shared/domain/errors';
import type { ApiKeyRegistry, ApiKeyStore, Clock, KeyDeriver, RateLimiter } from '../ports';

/**
 * Open-data API keys. Sign-up is self-service. A key is never stored: only its SHA-256 is, with the
 * consumer's name, e-mail and purpose so the centre can reach them; the e-mail is personal data and
 * never enters a log, a dataset or an API response.
 *
 * The key is derived from its id, `odk_` + 24 bytes of HMAC-SHA-256(server key, id) (KMS deployed:
 * the server key never leaves it), so it can be shown again to its owner without being kept anywhere:
 * sign-up also returns a management token (shown once; only its SHA-256 is stored), and whoever
 * presents the key id with that token gets the key derived again. A database copy holds neither.
 *
 * Deployed (a usage plan configured), the key is also registered with API Gateway and added to
 * the open-data usage plan, whose throttle and quota API Gateway enforces before any Lambda runs.
 * Locally there is no API Gateway: the no-op registry is the real local adapter, and our own
 * per-key limit (`admit`) is what throttles there, as it also does behind API Gateway.
 */
export const hashApiKey = (apiKey: string): string => createHash('sha256').update(apiKey, 'utf8').digest('hex');

/** The key of an id under the server's key. */
export async function deriveApiKey(deriver: KeyDeriver, keyId: string): Promise<string> {
  const mac = await deriver.mac(`open-data-api-key:${keyId}`);
  return `odk_${Buffer.from(mac).subarray(0, 24).toString('base64url')}`;
}

export interface IssuedApiKey {
  apiKey: string;
  keyId: string;
  managementToken: string;
  createdAt: string;
}

export async function issueApiKey(
  deps: { keys: ApiKeyStore; registry: ApiKeyRegistry; deriver: KeyDeriver },
  input: ApiKeyRequest,
  at: Date,
): Promise<IssuedApiKey> {
  const keyId = randomBytes(8).toString('hex');
  const apiKey = await deriveApiKey(deps.deriver, keyId);
  const managementToken = `odm_${randomBytes(24).toString('base64url')}`;
  // Registered first: a key API Gateway knows but our store lacks is refused by the handler anyway.
  await deps.registry.register({ keyId, value: apiKey });
  await deps.keys.put({
    keyHash: hashApiKey(apiKey),
    keyId,
    name: input.name,
    email: input.email,
    purpose: input.purpose,
    createdAt: at.toISOString(),
    managementTokenHash: hashApiKey(managementToken),
  });
  return { apiKey, keyId, managementToken, createdAt: at.toISOString() };
}

/**
 * The key again, for the owner who presents its id and management token. An unknown id, a key
 * issued before keys were derived, and a wrong token are one answer: nothing tells them apart.
 */
export async function revealApiKey(
  deps: { keys: ApiKeyStore; deriver: KeyDeriver },
  keyId: string,
  managementToken: string,
): Promise<{ apiKey: string; keyId: string; createdAt: string }> {
  const apiKey = await deriveApiKey(deps.deriver, keyId);
  const record = await deps.keys.get(hashApiKey(apiKey));
  const presented = Buffer.from(hashApiKey(managementToken), 'hex');
  const stored = Buffer.from(record?.managementTokenHash ?? '', 'hex');
  if (!record || stored.length !== presented.length || !timingSafeEqual(stored, presented))
    throw new DomainError('management-token-invalid');
  return { apiKey, keyId, createdAt: record.createdAt };
}

/** The key's id, or 403 api-key-required when the header is missing or the key unknown. */
export async function verifyApiKey(store: ApiKeyStore, header: string | undefined): Promise<string> {
  if (!header || header.length > 200)
    throw new DomainError('api-key-required', 'Send your key in x-api-key; get one at POST /v1/open/keys');
  const record = await store.get(hashApiKey(header));
  if (!record) throw new DomainError('api-key-required', 'The x-api-key is not a key this service issued');
  return record.keyId;
}

/** Sign-ups (and key reveals) per caller address (a hash of it: the address is personal data), kept 2 minutes by TTL. */
export const SIGN_UP_LIMIT = { limit: 30, windowSeconds: 60 };

/** Who may read open data: sign-up, showing a key again, and the key check with its per-key rate limit. */
export class OpenDataAccess {
  constructor(
    private readonly deps: {
      keys: ApiKeyStore;
      registry: ApiKeyRegistry;
      deriver: KeyDeriver;
      limiter: RateLimiter;
      clock: Clock;
      /** `<requests>/<seconds>` per API key (API Gateway's usage plan throttles too when deployed). */
      perKey: { requests: number; seconds: number };
    },
  ) {}

  /** Issues a key to `caller` (the hashed address), within the sign-up limit. */
  async signUp(caller: string, input: ApiKeyRequest): Promise<IssuedApiKey> {
    await this.deps.limiter.enforce({ scope: 'opendata-signup', client: caller, ...SIGN_UP_LIMIT });
    return issueApiKey(this.deps, input, this.deps.clock.now());
  }

  /** Shows a key again to `caller` who holds its management token, within the same per-address limit. */
  async reveal(caller: string, keyId: string, managementToken: string) {
    await this.deps.limiter.enforce({ scope: 'opendata-reveal', client: caller, ...SIGN_UP_LIMIT });
    return revealApiKey(this.deps, keyId, managementToken);
  }

  /** Lets a consumer's request through: a key this service issued, within its rate limit. */
  async admit(apiKeyHeader: string | undefined): Promise<void> {
    const keyId = await verifyApiKey(this.deps.keys, apiKeyHeader);
    const { requests, seconds } = this.deps.perKey;
    await this.deps.limiter.enforce({ scope: 'opendata', client: keyId, limit: requests, windowSeconds: seconds });
  }
}
