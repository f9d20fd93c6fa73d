import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { DatasetId, Release } from '../../../schemas/opendata';
import {
  batchWriteAll,
  queryPage,
  queryPages,
  stripKeys,
  type DocClient,
  type Item,
} from '../../shared/adapters/dynamo';
import type { Row } from '../domain/datasets';
import type { ReleaseStore, RowsQuery, StoredRow } from '../ports';

/**
 * Releases in the OpenData table:
 * - release record: pk `DATASET#<datasetId>`, sk `REL#<releaseId>` (ids sort by publication time).
 * - rows: pk `REL#<datasetId>#<releaseId>`, sk `<row key>`, the row in `r`. One partition per
 *   release, in key order: a page is one Query from the cursor's key, whatever its depth.
 */
const releaseKey = (datasetId: string, releaseId: string) => ({ pk: `DATASET#${datasetId}`, sk: `REL#${releaseId}` });
const rowsPk = (datasetId: string, releaseId: string) => `REL#${datasetId}#${releaseId}`;
const toRelease = (i: Item): Release => stripKeys<Release>(i);
/** BatchWriteItem takes at most 25 puts; this many batches are in flight at once. */
const WRITERS = 8;

export class ReleasesTable implements ReleaseStore {
  constructor(
    private readonly client: DocClient,
    private readonly table: string,
  ) {}

  async putRelease(release: Release, rows: StoredRow[]): Promise<void> {
    await this.putRows(rowsPk(release.datasetId, release.id), rows);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...releaseKey(release.datasetId, release.id), ...release },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException)
        throw new Error(`release ${release.id} of ${release.datasetId} exists: releases are immutable`);
      throw e;
    }
  }

  /** The rows of a release, WRITERS batches in flight. */
  private async putRows(pk: string, rows: StoredRow[]): Promise<void> {
    const requests = rows.map((r) => ({ PutRequest: { Item: { pk, sk: r.key, r: r.row } } }));
    await batchWriteAll(this.client, this.table, requests, { concurrency: WRITERS });
  }

  async latestRelease(datasetId: DatasetId): Promise<Release | undefined> {
    return (await this.listReleases(datasetId, 1)).items[0];
  }

  async getRelease(datasetId: DatasetId, releaseId: string): Promise<Release | undefined> {
    const r = await this.client.send(new GetCommand({ TableName: this.table, Key: releaseKey(datasetId, releaseId) }));
    return r.Item ? toRelease(r.Item) : undefined;
  }

  async listReleases(
    datasetId: DatasetId,
    limit: number,
    after?: string,
  ): Promise<{ items: Release[]; last?: string }> {
    const page = await queryPage(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :rel)',
      ExpressionAttributeValues: { ':pk': `DATASET#${datasetId}`, ':rel': 'REL#' },
      ScanIndexForward: false,
      Limit: limit,
      ...(after ? { ExclusiveStartKey: releaseKey(datasetId, after) } : {}),
    });
    const items = page.items.map(toRelease);
    return { items, last: page.lastKey && items.length ? items.at(-1)!.id : undefined };
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
    const input = this.rowsQueryInput(rowsPk(datasetId, releaseId), q);
    const filtered = Object.keys(q.filters).length > 0;
    // One row beyond the page tells whether another page exists. A filtered query may read many
    // rows per match, so it reads at least 250 a request.
    const want = q.limit + 1;
    const found: { key: string; row: Row }[] = [];
    const pages = queryPages(this.client, {
      ...input,
      Limit: filtered ? Math.max(want, 250) : want,
      ExclusiveStartKey: after ? { pk: rowsPk(datasetId, releaseId), sk: after } : undefined,
    });
    for await (const items of pages) {
      for (const i of items) found.push({ key: i.sk as string, row: i.r as Row });
      if (found.length >= want) break;
    }
    const page = found.slice(0, q.limit);
    return { rows: page.map((f) => f.row), last: found.length > q.limit ? page.at(-1)!.key : undefined };
  }

  /** The key condition (partition, and the key prefix when there is one) and the filters on other fields. */
  private rowsQueryInput(pk: string, q: RowsQuery): QueryCommandInput {
    const values: Record<string, unknown> = { ':pk': pk };
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
    return {
      TableName: this.table,
      KeyConditionExpression: keyCondition,
      ExpressionAttributeValues: values,
      ...(conditions.length ? { FilterExpression: conditions.join(' AND '), ExpressionAttributeNames: names } : {}),
    };
  }
}
