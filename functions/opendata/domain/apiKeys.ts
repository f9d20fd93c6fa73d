import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createHash, randomBytes } from 'node:crypto';
import { tableName } from '../../shared/wiring';
import type { ApiKeyRequest } from '../../../schemas/opendata';
import { documentClient as ddb } from '../../shared/wiring';
import { DomainError } from '../../shared/domain/errors';

/**
 * Open-data API keys. Sign-up is self-service; the key is shown once and only its SHA-256 is
 * stored. The consumer's name, e-mail and purpose are kept with the hash so the centre can reach
 * them; the e-mail is personal data and never enters a log, a dataset or an API response.
 *
 * Deployed (OPEN_DATA_USAGE_PLAN_ID set), the key is also registered with API Gateway and added to
 * the open-data usage plan, whose throttle and quota API Gateway enforces before any Lambda runs.
 * Locally there is no API Gateway: the no-op registry is the real local adapter, and the handler's
 * own per-key limit (enforceRateLimit) is what throttles there, as it also does behind API Gateway.
 */
export interface ApiKeyRecord {
  keyHash: string;
  keyId: string;
  name: string;
  email: string;
  purpose: string;
  createdAt: string;
}

export interface ApiKeyStore {
  put(record: ApiKeyRecord): Promise<void>;
  get(keyHash: string): Promise<ApiKeyRecord | undefined>;
}

/** Where API keys are registered besides our own store (API Gateway usage plans when deployed). */
export interface ApiKeyRegistry {
  register(key: { keyId: string; value: string }): Promise<void>;
}

export const hashApiKey = (apiKey: string): string => createHash('sha256').update(apiKey, 'utf8').digest('hex');

export async function issueApiKey(store: ApiKeyStore, registry: ApiKeyRegistry, input: ApiKeyRequest, at: Date) {
  const apiKey = `odk_${randomBytes(24).toString('base64url')}`;
  const keyHash = hashApiKey(apiKey);
  const keyId = keyHash.slice(0, 16);
  // Registered first: a key API Gateway knows but our store lacks is refused by the handler anyway.
  await registry.register({ keyId, value: apiKey });
  await store.put({ keyHash, keyId, name: input.name, email: input.email, purpose: input.purpose, createdAt: at.toISOString() });
  return { apiKey, keyId, createdAt: at.toISOString() };
}

/** The key's id, or 403 api-key-required when the header is missing or the key unknown. */
export async function verifyApiKey(store: ApiKeyStore, header: string | undefined): Promise<string> {
  if (!header || header.length > 200) throw new DomainError('api-key-required', 'Send your key in x-api-key; get one at POST /v1/open/keys');
  const record = await store.get(hashApiKey(header));
  if (!record) throw new DomainError('api-key-required', 'The x-api-key is not a key this service issued');
  return record.keyId;
}

/** API keys in the OpenData table: pk `APIKEY#<sha256>`, sk `KEY`. */
export class DynamoApiKeyStore implements ApiKeyStore {
  constructor(private readonly table: string = tableName('OpenData')) {}

  async put(record: ApiKeyRecord): Promise<void> {
    await ddb().send(
      new PutCommand({ TableName: this.table, Item: { pk: `APIKEY#${record.keyHash}`, sk: 'KEY', ...record }, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
  }

  async get(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const r = await ddb().send(new GetCommand({ TableName: this.table, Key: { pk: `APIKEY#${keyHash}`, sk: 'KEY' } }));
    return r.Item as ApiKeyRecord | undefined;
  }
}

/** Deployed: an API Gateway API key with our value, added to the open-data usage plan. */
export class UsagePlanRegistry implements ApiKeyRegistry {
  /**
   * The API Gateway client is loaded and built on the first sign-up, not at cold start: sign-ups are
   * rare, while the data routes this function also serves are hot and never need it.
   */
  private sdk?: Promise<{ client: import('@aws-sdk/client-api-gateway').APIGatewayClient; api: typeof import('@aws-sdk/client-api-gateway') }>;
  constructor(private readonly usagePlanId: string) {}

  async register(key: { keyId: string; value: string }): Promise<void> {
    this.sdk ??= import('@aws-sdk/client-api-gateway').then((api) => ({ api, client: new api.APIGatewayClient({}) }));
    const { api, client } = await this.sdk;
    const created = await client.send(new api.CreateApiKeyCommand({ name: `opendata-${key.keyId}`, value: key.value, enabled: true }));
    await client.send(new api.CreateUsagePlanKeyCommand({ usagePlanId: this.usagePlanId, keyId: created.id!, keyType: 'API_KEY' }));
  }
}

/** Local stack: no API Gateway to tell. */
export class NoApiGatewayRegistry implements ApiKeyRegistry {
  async register(): Promise<void> {}
}

export const apiKeyRegistry = (): ApiKeyRegistry => {
  const plan = process.env.OPEN_DATA_USAGE_PLAN_ID;
  return plan ? new UsagePlanRegistry(plan) : new NoApiGatewayRegistry();
};
