import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { WebhookOutbox } from '../../webhooks/adapters';
import {
  batchGetAll,
  CONDITION_FAILED,
  cancellationCodes,
  queryPage,
  stripKeys,
  type DocClient,
  type Item,
} from '../../shared/adapters/dynamo';
import { DomainError } from '../../shared/domain/errors';
import type { NoticePage, NoticeQuery, NoticeRecord, NoticeStore } from '../ports';

/**
 * The Notices table (the only table with payer identity). One item per notice:
 * - pk `NOTICE#<noticeNo>`, sk `NOTICE`;
 * - gsi1: `NDEPT#<departmentId>#<nn>` / `<issueDate>#<issuedAt>#<noticeNo>`: a department's notices;
 * - gsi2: `NMON#<yyyy-mm>#<nn>` / the same sort key: everyone's notices by month, for finance.
 * Both indexes hold the keys only (schemas/tables.ts): an index entry is written when the notice is
 * issued and never changes after, so paying, holding or cancelling a notice writes the notice's item
 * alone (issue 10: a payment wrote both entries again, 4 of its WRU). Lists find a page in the
 * indexes and read its notices from the table in one BatchGetItem. `nn` is one of
 * NOTICE_INDEX_SHARDS shards, from the notice number's hash, so issuing spreads over 32 partitions
 * per month and per department (docs/adr/0014); lists merge the shards.
 * The payments context flips `status` inside its payment transaction using `noticeKey`.
 */
export const noticeKey = (noticeNo: string) => ({ pk: `NOTICE#${noticeNo}`, sk: 'NOTICE' });

export const NOTICE_INDEX_SHARDS = 32;
const SHARDS = Array.from({ length: NOTICE_INDEX_SHARDS }, (_, s) => String(s).padStart(2, '0'));
const indexShard = (noticeNo: string) =>
  SHARDS[createHash('sha256').update(noticeNo).digest()[0]! % NOTICE_INDEX_SHARDS]!;

/** One index's partition key of a shard: a department's (gsi1) or a month's (gsi2). */
type IndexPartition = { index: 'gsi1' | 'gsi2'; pk: (shard: string) => string };

/** A notice number starts with its business issue date (YYYYMMDD). */
export const issueDateOf = (noticeNo: string) =>
  `${noticeNo.slice(0, 4)}-${noticeNo.slice(4, 6)}-${noticeNo.slice(6, 8)}`;

/**
 * A stored item without its keys, its `issueDate` (derived from the number for the indexes) and its
 * reservation attributes (`reservedBy`, `reservedUntil`: an online payment order's hold, which the
 * orders context sets and clears through ./index.ts).
 */
export const toNoticeRecord = (item: Item): NoticeRecord =>
  stripKeys<NoticeRecord>(item, 'issueDate', 'reservedBy', 'reservedUntil');

function monthsDescending(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = to.slice(0, 7).split('-').map(Number) as [number, number];
  const end = from.slice(0, 7);
  for (;;) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    if (month < end) break;
    out.push(month);
    if (--m === 0) {
      m = 12;
      y--;
    }
  }
  return out;
}

export class NoticesTable implements NoticeStore {
  constructor(
    private readonly client: DocClient,
    private readonly table: string,
    /** Announces cancellations to department webhooks, in the cancellation's transaction (ADR 0016). */
    private readonly outbox?: WebhookOutbox,
  ) {}

  async create(n: NoticeRecord): Promise<boolean> {
    const issueDate = issueDateOf(n.noticeNo);
    const sortKey = `${issueDate}#${n.issuedAt}#${n.noticeNo}`;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...noticeKey(n.noticeNo),
            gsi1pk: `NDEPT#${n.departmentId}#${indexShard(n.noticeNo)}`,
            gsi1sk: sortKey,
            gsi2pk: `NMON#${issueDate.slice(0, 7)}#${indexShard(n.noticeNo)}`,
            gsi2sk: sortKey,
            issueDate,
            ...n,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async get(noticeNo: string): Promise<NoticeRecord | undefined> {
    const r = await this.client.send(
      new GetCommand({ TableName: this.table, Key: noticeKey(noticeNo), ConsistentRead: true }),
    );
    return r.Item ? toNoticeRecord(r.Item) : undefined;
  }

  async list(q: NoticeQuery): Promise<NoticePage> {
    try {
      return await this.query(q);
    } catch (e) {
      // A cursor is opaque but travels through clients: a doctored start key is bad input, not a 5xx.
      if (q.after && e instanceof Error && e.name === 'ValidationException')
        throw new DomainError('validation-failed', 'cursor: not a cursor this API issued', [
          { path: 'cursor', message: 'invalid cursor' },
        ]);
      throw e;
    }
  }

  private async query(q: NoticeQuery): Promise<NoticePage> {
    const after = typeof q.after?.at === 'string' ? q.after.at : undefined;
    if (q.after && !after && typeof q.after.m !== 'string')
      throw new DomainError('validation-failed', 'cursor: not a cursor this API issued', [
        { path: 'cursor', message: 'invalid cursor' },
      ]);
    if (q.departmentId) {
      const dept = q.departmentId;
      const page = await this.mergedPage({ index: 'gsi1', pk: (s) => `NDEPT#${dept}#${s}` }, q, after, q.limit);
      return { items: page.items, next: page.more ? { at: page.last } : undefined };
    }
    // Finance: month partitions, newest month first; the cursor remembers the month and the position in it.
    const months = monthsDescending(q.from, q.to);
    let i = q.after?.m ? months.indexOf(q.after.m as string) : 0;
    if (i < 0) return { items: [] };
    let position = after;
    const items: NoticeRecord[] = [];
    while (i < months.length && items.length < q.limit) {
      const month = months[i]!;
      const page = await this.mergedPage(
        { index: 'gsi2', pk: (s) => `NMON#${month}#${s}` },
        q,
        position,
        q.limit - items.length,
      );
      items.push(...page.items);
      if (page.more) return { items, next: { m: month, at: page.last } };
      i++;
      position = undefined;
    }
    return { items, next: i < months.length ? { m: months[i] } : undefined };
  }

  /**
   * Up to `limit` notices of one index over all its shards, newest first, strictly before `after` (a
   * sort key): each shard is read from `after` for at most limit + 1 entries, and the shards merged.
   */
  private async mergedPage(
    part: IndexPartition,
    q: NoticeQuery,
    after: string | undefined,
    limit: number,
  ): Promise<{ items: NoticeRecord[]; more: boolean; last?: string }> {
    const sk = `${part.index}sk`;
    const to = after && after < `${q.to}#~` ? after : `${q.to}#~`;
    const perShard = await Promise.all(
      SHARDS.map((shard) =>
        queryPage(this.client, {
          TableName: this.table,
          IndexName: part.index,
          KeyConditionExpression: `${part.index}pk = :p AND ${sk} BETWEEN :from AND :to`,
          ExpressionAttributeValues: { ':p': part.pk(shard), ':from': `${q.from}#`, ':to': to },
          ScanIndexForward: false,
          Limit: limit + 2, // BETWEEN includes `after` itself, which is dropped
        }),
      ),
    );
    const merged = perShard
      .flatMap((p) => p.items)
      .filter((i) => i[sk] !== after)
      .sort((a, b) => ((a[sk] as string) < (b[sk] as string) ? 1 : -1));
    const page = merged.slice(0, limit);
    return { items: await this.noticesOf(page), more: merged.length > limit, last: page.at(-1)?.[sk] as string };
  }

  /** The notices of index entries (keys only), in the entries' order. */
  private async noticesOf(entries: readonly Item[]): Promise<NoticeRecord[]> {
    const keys = entries.map((e) => ({ pk: e.pk, sk: e.sk }));
    const byPk = new Map((await batchGetAll(this.client, this.table, keys)).map((i) => [i.pk, i]));
    // Notices are never deleted, so every entry has its item.
    return entries.flatMap((e) => {
      const item = byPk.get(e.pk);
      return item ? [toNoticeRecord(item)] : [];
    });
  }

  async cancel(
    noticeNo: string,
    at: string,
    reason: string,
    notice?: Pick<NoticeRecord, 'departmentId' | 'total'>,
  ): Promise<boolean> {
    const update = {
      TableName: this.table,
      Key: noticeKey(noticeNo),
      UpdateExpression: 'SET #s = :cancelled, cancelledAt = :at, cancelReason = :r',
      // Not while an online payment order holds it: the payer may be paying right now.
      ConditionExpression: '#s = :issued AND attribute_not_exists(reservedBy)',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':cancelled': 'cancelled', ':issued': 'issued', ':at': at, ':r': reason },
    };
    try {
      if (this.outbox && notice)
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Update: update },
              this.outbox.noticeCancelledItem({
                noticeNo,
                departmentId: notice.departmentId,
                amount: notice.total,
                cancelledAt: at,
              }),
            ],
          }),
        );
      else await this.client.send(new UpdateCommand(update));
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      if (cancellationCodes(e)?.[0] === CONDITION_FAILED) return false;
      throw e;
    }
  }
}
