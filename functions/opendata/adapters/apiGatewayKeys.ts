import type { ApiKeyRegistry } from '../ports';

/** Deployed: an API Gateway API key with our value, added to the open-data usage plan. */
export class UsagePlanRegistry implements ApiKeyRegistry {
  /**
   * The API Gateway client is loaded and built on the first sign-up, not at cold start: sign-ups are
   * rare, while the data routes this function also serves are hot and never need it.
   */
  private sdk?: Promise<{
    client: import('./sdk/apiGateway').APIGatewayClient;
    api: typeof import('./sdk/apiGateway');
  }>;
  constructor(private readonly usagePlanId: string) {}

  async register(key: { keyId: string; value: string }): Promise<void> {
    this.sdk ??= import('./sdk/apiGateway').then((api) => ({ api, client: new api.APIGatewayClient({}) }));
    const { api, client } = await this.sdk;
    const created = await client.send(
      new api.CreateApiKeyCommand({ name: `opendata-${key.keyId}`, value: key.value, enabled: true }),
    );
    await client.send(
      new api.CreateUsagePlanKeyCommand({ usagePlanId: this.usagePlanId, keyId: created.id!, keyType: 'API_KEY' }),
    );
  }
}

/** Local stack: no API Gateway to tell. */
export class NoApiGatewayRegistry implements ApiKeyRegistry {
  async register(): Promise<void> {}
}
