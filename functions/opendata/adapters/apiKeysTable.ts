import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { stripKeys, type DocClient } from '../../shared/adapters/dynamo';
import type { ApiKeyRecord, ApiKeyStore } from '../ports';

/** API keys in the OpenData table: pk `APIKEY#<sha256>`, sk `KEY`. */
const keyOf = (keyHash: string) => ({ pk: `APIKEY#${keyHash}`, sk: 'KEY' });

export class ApiKeysTable implements ApiKeyStore {
  constructor(
    private readonly client: DocClient,
    private readonly table: string,
  ) {}

  async put(record: ApiKeyRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...keyOf(record.keyHash), ...record },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const r = await this.client.send(new GetCommand({ TableName: this.table, Key: keyOf(keyHash) }));
    return r.Item ? stripKeys<ApiKeyRecord>(r.Item) : undefined;
  }
}
