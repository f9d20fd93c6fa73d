import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../shared/wiring';
import type { DatasetId, Release } from '../../../schemas/opendata';
import { documentClient as ddb } from '../../shared/wiring';
import type { Row } from '../domain/datasets';
import type { ReleaseStore, RowsQuery, StoredRow } from '../domain/releases';

/**
 * Releases in the OpenData table:
 * - release record: pk `DATASET#<datasetId>`, sk `REL#<releaseId>` (ids sort by publication time).
 * - rows: pk `REL#<datasetId>#<releaseId>`, sk `<row key>`, the row in `r`. One partition per
 *   release, in key order: a page is one Query from the cursor's key, whatever its depth.
 */
const releaseKey = (datasetId: string, releaseId: string) => ({ pk: `DATASET#${datasetId}`, sk: `REL#${releaseId}` });
const rowsPk = (datasetId: string, releaseId: string) => `REL#${datasetId}#${releaseId}`;
const toRelease = (i: Record<string, unknown>): Release => {
  const { pk: _pk, sk: _sk, ...r } = i;
  return r as unknown as Release;
};

export class DynamoReleaseStore implements ReleaseStore {
  constructor(private readonly table: string = tableName('OpenData')) {}

  async putRelease(release: Release, rows: StoredRow[]): Promise<void> {
    const pk = rowsPk(release.datasetId, release.id);
    const batches: StoredRow[][] = [];
    for (let i = 0; i < rows.length; i += 25) batches.push(rows.slice(i, i + 25));
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        let requests = batches[next++]!.map((r) => ({ PutRequest: { Item: { pk, sk: r.key, r: r.row } } }));
        for (let attempt = 0; requests.length; attempt++) {
          const res = await ddb().send(new BatchWriteCommand({ RequestItems: { [this.table]: requests } }));
          requests = (res.UnprocessedItems?.[this.table] ?? []) as typeof requests;
          if (requests.length) await new Promise((ok) => setTimeout(ok, Math.min(1000, 20 * 2 ** attempt)));
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    try {
      await ddb().send(
        new PutCommand({ TableName: this.table, Item: { ...releaseKey(release.datasetId, release.id), ...release }, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) throw new Error(`release ${release.id} of ${release.datasetId} exists: releases are immutable`);
      throw e;
    }
  }

  async latestRelease(datasetId: DatasetId): Promise<Release | undefined> {
    return (await this.listReleases(datasetId, 1)).items[0];
  }

  async getRelease(datasetId: DatasetId, releaseId: string): Promise<Release | undefined> {
    const r = await ddb().send(new GetCommand({ TableName: this.table, Key: releaseKey(datasetId, releaseId) }));
    return r.Item ? toRelease(r.Item) : undefined;
  }

  async listReleases(datasetId: DatasetId, limit: number, after?: string): Promise<{ items: Release[]; last?: string }> {
    const r = await ddb().send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :rel)',
        ExpressionAttributeValues: { ':pk': `DATASET#${datasetId}`, ':rel': 'REL#' },
        ScanIndexForward: false,
        Limit: limit,
        ...(after ? { ExclusiveStartKey: releaseKey(datasetId, after) } : {}),
      }),
    );
    const items = (r.Items ?? []).map(toRelease);
    return { items, last: r.LastEvaluatedKey && items.length ? items.at(-1)!.id : undefined };
  }

  async pageRows(datasetId: DatasetId, releaseId: string, q: RowsQuery): Promise<{ rows: Row[]; last?: string }> {
    // DynamoDB rejects a start key outside the key condition (a cursor reused with other filters):
    // before the range means from its start, past it means nothing left.
    let after = q.after;
    if (after !== undefined && q.keyPrefix !== undefined) {
      const inRange = q.keyPrefix.endsWith('#') ? after.startsWith(q.keyPrefix) : after === q.keyPrefix;
      if (!inRange && after < q.keyPrefix) after = undefined;
      else if (!inRange || !q.keyPrefix.endsWith('#')) return { rows: [] };
    }
    const values: Record<string, unknown> = { ':pk': rowsPk(datasetId, releaseId) };
    const names: Record<string, string> = {};
    let keyCondition = 'pk = :pk';
    if (q.keyPrefix !== undefined) {
      values[':key'] = q.keyPrefix;
      keyCondition += q.keyPrefix.endsWith('#') ? ' AND begins_with(sk, :key)' : ' AND sk = :key';
    }
    const conditions = Object.entries(q.filters).map(([field, value], i) => {
      names['#r'] = 'r';
      names[`#f${i}`] = field;
      values[`:f${i}`] = value;
      return `#r.#f${i} = :f${i}`;
    });
    const input: Omit<QueryCommandInput, 'Limit' | 'ExclusiveStartKey'> = {
      TableName: this.table,
      KeyConditionExpression: keyCondition,
      ExpressionAttributeValues: values,
      ...(conditions.length ? { FilterExpression: conditions.join(' AND '), ExpressionAttributeNames: names } : {}),
    };
    // One row beyond the page tells whether another page exists.
    const want = q.limit + 1;
    const found: { key: string; row: Row }[] = [];
    let start: Record<string, unknown> | undefined = after ? { pk: values[':pk'], sk: after } : undefined;
    do {
      const r = await ddb().send(new QueryCommand({ ...input, Limit: conditions.length ? Math.max(want - found.length, 250) : want - found.length, ExclusiveStartKey: start }));
      for (const i of r.Items ?? []) found.push({ key: i.sk as string, row: i.r as Row });
      start = r.LastEvaluatedKey;
    } while (start && found.length < want);
    const page = found.slice(0, q.limit);
    return { rows: page.map((f) => f.row), last: found.length > q.limit ? page.at(-1)!.key : undefined };
  }
}
