import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  batchGetAll,
  batchWriteAll,
  CONDITION_FAILED,
  cancellationCodes,
  isTransient,
  queryAll,
  queryPages,
  stripKeys,
} from '../../../functions/shared/adapters/dynamo';
import { documentClient, tableName } from '../../../functions/shared/wiring';
import { uniq } from '../../support/api';

/** The DynamoDB toolkit against DynamoDB Local; RateLimits is scratch space (`TOOLKIT#` keys never meet its `RL#` counters). */
const table = tableName('RateLimits');
const client = documentClient();

/** Through batchWriteAll: more than one batch of 25, several in flight. */
async function putMany(pk: string, n: number): Promise<void> {
  const requests = Array.from({ length: n }, (_, i) => ({
    PutRequest: { Item: { pk, sk: String(i).padStart(4, '0'), gsi1pk: `G#${pk}`, gsi1sk: 'x', n: i } },
  }));
  await batchWriteAll(client, table, requests, { concurrency: 3 });
}

describe('DynamoDB toolkit', () => {
  it('queryPages follows LastEvaluatedKey to the end, one page at a time, in key order', async () => {
    const pk = `TOOLKIT#${uniq()}`;
    await putMany(pk, 23);
    const pages: number[][] = [];
    const input = {
      TableName: table,
      KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': pk },
      Limit: 5,
    };
    for await (const page of queryPages(client, input)) pages.push(page.map((i) => i.n as number));
    expect(pages.length).toBeGreaterThanOrEqual(5);
    expect(pages.flat()).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect((await queryAll(client, input)).length).toBe(23);
  });

  it('batchGetAll reads more than 100 keys and leaves out the missing ones', async () => {
    const pk = `TOOLKIT#${uniq()}`;
    await putMany(pk, 130);
    const keys = Array.from({ length: 140 }, (_, i) => ({ pk, sk: String(i).padStart(4, '0') }));
    const items = await batchGetAll(client, table, keys, { consistent: true });
    expect(items.map((i) => i.n as number).sort((a, b) => a - b)).toEqual(Array.from({ length: 130 }, (_, i) => i));
  });

  it('stripKeys removes the table and index keys (and the named extras), nothing else', () => {
    const item = {
      pk: 'a',
      sk: 'b',
      gsi1pk: 'c',
      gsi1sk: 'd',
      gsi2pk: 'e',
      gsi2sk: 'f',
      expiresAt: 1,
      pkg: 'kept',
      amount: 2,
    };
    expect(stripKeys(item)).toEqual({ expiresAt: 1, pkg: 'kept', amount: 2 });
    expect(stripKeys(item, 'expiresAt')).toEqual({ pkg: 'kept', amount: 2 });
  });

  it('cancellationCodes gives one code per item of a cancelled transaction; a failed condition is not transient', async () => {
    const pk = `TOOLKIT#${uniq()}`;
    await client.send(new PutCommand({ TableName: table, Item: { pk, sk: 'taken' } }));
    const error = await client
      .send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: table, Item: { pk, sk: 'free' }, ConditionExpression: 'attribute_not_exists(pk)' } },
            { Put: { TableName: table, Item: { pk, sk: 'taken' }, ConditionExpression: 'attribute_not_exists(pk)' } },
          ],
        }),
      )
      .catch((e: unknown) => e);
    expect(cancellationCodes(error)).toEqual(['None', CONDITION_FAILED]);
    expect(isTransient(error)).toBe(false);
    expect(cancellationCodes(new Error('other'))).toBeUndefined();
  });
});
