import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { queryPage, stripKeys, type DocClient, type Item } from '../../shared/adapters/dynamo';
import { DomainError } from '../../shared/domain/errors';
import type { NoticePage, NoticeQuery, NoticeRecord, NoticeStore } from '../ports';

/**
 * The Notices table (the only table with payer identity). One item per notice:
 * - pk `NOTICE#<noticeNo>`, sk `NOTICE`;
 * - gsi1: `NDEPT#<departmentId>` / `<issueDate>#<issuedAt>#<noticeNo>`: a department's notices;
 * - gsi2: `NMON#<yyyy-mm>` / the same sort key: everyone's notices by month, for finance.
 * Index partitions are per department and per month, never one key for all writes; at a city's or a
 * province's rate (≤ tens of notices/s) each stays far below DynamoDB's 1,000 writes/s per key.
 * The payments context flips `status` inside its payment transaction using `noticeKey`.
 */
export const noticeKey = (noticeNo: string) => ({ pk: `NOTICE#${noticeNo}`, sk: 'NOTICE' });

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
            gsi1pk: `NDEPT#${n.departmentId}`,
            gsi1sk: sortKey,
            gsi2pk: `NMON#${issueDate.slice(0, 7)}`,
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
    const range = { ':from': `${q.from}#`, ':to': `${q.to}#~` };
    if (q.departmentId) {
      const page = await queryPage(this.client, {
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p AND gsi1sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':p': `NDEPT#${q.departmentId}`, ...range },
        ScanIndexForward: false,
        Limit: q.limit,
        ExclusiveStartKey: q.after?.k as Record<string, unknown> | undefined,
      });
      return { items: page.items.map(toNoticeRecord), next: page.lastKey ? { k: page.lastKey } : undefined };
    }
    // Finance: month partitions, newest month first; the cursor remembers the month and the position in it.
    const months = monthsDescending(q.from, q.to);
    let i = q.after?.m ? months.indexOf(q.after.m as string) : 0;
    if (i < 0) return { items: [] };
    let start = q.after?.k as Record<string, unknown> | undefined;
    const items: NoticeRecord[] = [];
    while (i < months.length && items.length < q.limit) {
      // One page at a time: each asks only for what the caller's page still lacks.
      const page = await queryPage(this.client, {
        TableName: this.table,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :p AND gsi2sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':p': `NMON#${months[i]}`, ...range },
        ScanIndexForward: false,
        Limit: q.limit - items.length,
        ExclusiveStartKey: start,
      });
      items.push(...page.items.map(toNoticeRecord));
      if (page.lastKey) {
        if (items.length >= q.limit) return { items, next: { m: months[i], k: page.lastKey } };
        start = page.lastKey;
      } else {
        i++;
        start = undefined;
      }
    }
    return { items, next: i < months.length ? { m: months[i] } : undefined };
  }

  async cancel(noticeNo: string, at: string, reason: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: noticeKey(noticeNo),
          UpdateExpression: 'SET #s = :cancelled, cancelledAt = :at, cancelReason = :r',
          // Not while an online payment order holds it: the payer may be paying right now.
          ConditionExpression: '#s = :issued AND attribute_not_exists(reservedBy)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':cancelled': 'cancelled', ':issued': 'issued', ':at': at, ':r': reason },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }
}
