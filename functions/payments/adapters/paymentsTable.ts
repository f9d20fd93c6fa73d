import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, QueryCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../shared/wiring';
import type { Receipt } from '../../../schemas/payments';
import { paymentsTableKeys, type Channel } from '../../../schemas/records';
import type { NoticeRecord } from '../../notices/notices';
import { statusOn } from '../../notices/notices';
import { noticeKey, toNoticeRecord } from '../../notices/store';
import type { DocClient } from '../../shared/adapters/dynamo';
import { documentClient as ddb } from '../../shared/wiring';
import { DomainError } from '../../shared/domain/errors';
import { IdempotencyTable } from '../../shared/adapters/idempotencyTable';
import { tableName as physicalName } from '../../shared/wiring';
import { DAY_SHARDS, LedgerTable, shardOf } from '../../ledger/adapters';
import { byPosition, TransientConflict, type PaymentCommit, type PaymentStore, type RefundCommit, type StoredPayment } from '../domain/payments';

/**
 * DynamoDB adapter of the payments context.
 *
 * Payments table (PII-free; its NEW_IMAGE stream feeds the open-data aggregator):
 * - payment `PAY#<paymentId>` / `PAY`: PaymentRecord + refundedTotal + lineRefunded;
 *   gsi1 `PDAY#<businessDate>#<shard>` / `<paidAt>#<paymentId>` (16 shards per day: no hot key);
 * - refund `PAY#<paymentId>` / `REFUND#<refundId>`: RefundRecord; gsi1 `RDAY#<businessDate>#<shard>`;
 * - bank reference `BANKREF#<channel>#<bankRef>` / `BANKREF`: makes bankRef unique per channel.
 * Receipts table: `RCPT#<receiptNo>` / `RCPT`: the receipt with its status and JWS.
 * Notices are read and flipped to paid through the notices context's key layout.
 */
export const paymentKeys = {
  ...paymentsTableKeys,
  receipt: (receiptNo: string) => ({ pk: `RCPT#${receiptNo}`, sk: 'RCPT' }),
};

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
/** What each entry of a transaction stands for, to map a cancellation reason to a problem type. */
type Role = { kind: 'notice'; noticeNo: string } | { kind: 'payment' | 'bank-ref' | 'ledger' | 'day-guard' | 'receipt' | 'idempotency' | 'refunded-total' };

const strip = (i: Record<string, unknown>, ...keys: string[]) => {
  const o = { ...i };
  for (const k of ['pk', 'sk', 'gsi1pk', 'gsi1sk', ...keys]) delete o[k];
  return o;
};

export class DynamoPaymentStore implements PaymentStore {
  private readonly payments = tableName('Payments');
  private readonly receipts = tableName('Receipts');
  private readonly notices = tableName('Notices');
  private readonly idempotency: IdempotencyTable;
  private readonly ledger: LedgerTable;

  constructor(private readonly client: DocClient = ddb()) {
    this.idempotency = new IdempotencyTable(client, physicalName('Idempotency'));
    this.ledger = new LedgerTable(client, physicalName('Ledger'));
  }

  async getNotices(noticeNos: string[]): Promise<Map<string, NoticeRecord>> {
    const out = new Map<string, NoticeRecord>();
    let keys: Record<string, unknown>[] = noticeNos.map(noticeKey);
    for (let round = 0; keys.length > 0; round++) {
      if (round > 8) throw new Error('BatchGet kept returning unprocessed keys');
      const r = await this.client.send(new BatchGetCommand({ RequestItems: { [this.notices]: { Keys: keys, ConsistentRead: true } } }));
      for (const item of r.Responses?.[this.notices] ?? []) {
        const n = toNoticeRecord(item);
        out.set(n.noticeNo, n);
      }
      keys = (r.UnprocessedKeys?.[this.notices]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    }
    return out;
  }

  async getPayment(paymentId: string): Promise<StoredPayment | undefined> {
    const r = await this.client.send(new GetCommand({ TableName: this.payments, Key: paymentKeys.payment(paymentId), ConsistentRead: true }));
    return r.Item ? (strip(r.Item) as unknown as StoredPayment) : undefined;
  }

  async getReceipt(receiptNo: string): Promise<Receipt | undefined> {
    const r = await this.client.send(new GetCommand({ TableName: this.receipts, Key: paymentKeys.receipt(receiptNo), ConsistentRead: true }));
    return r.Item ? (strip(r.Item, 'reason') as unknown as Receipt) : undefined;
  }

  /**
   * Keyset page over the day's 16 index shards: each shard is read in order from `after` until it
   * yields `limit` matches (or ends), then the shards are merged; so a page reads O(16 × limit)
   * items, never the whole day.
   */
  async paymentsPage(q: { businessDate: string; channel?: Channel; after?: string; limit: number }): Promise<{ items: StoredPayment[]; more: boolean }> {
    const perShard = await Promise.all(
      Array.from({ length: DAY_SHARDS }, async (_, shard) => {
        const out: StoredPayment[] = [];
        let ExclusiveStartKey: Record<string, unknown> | undefined;
        while (out.length <= q.limit) {
          const r = await this.client.send(
            new QueryCommand({
              TableName: this.payments,
              IndexName: 'gsi1',
              KeyConditionExpression: q.after ? 'gsi1pk = :p AND gsi1sk > :after' : 'gsi1pk = :p',
              ...(q.channel ? { FilterExpression: 'channel = :c' } : {}),
              ExpressionAttributeValues: {
                ':p': paymentKeys.paymentDayShard(q.businessDate, shard),
                ...(q.after ? { ':after': q.after } : {}),
                ...(q.channel ? { ':c': q.channel } : {}),
              },
              Limit: q.limit + 1,
              ExclusiveStartKey,
            }),
          );
          for (const i of r.Items ?? []) out.push(strip(i) as unknown as StoredPayment);
          ExclusiveStartKey = r.LastEvaluatedKey;
          if (!ExclusiveStartKey) break;
        }
        return out;
      }),
    );
    const merged = perShard.flat().sort(byPosition);
    // A shard that is not exhausted holds more than `limit` matches itself, so `more` is exact.
    return { items: merged.slice(0, q.limit), more: merged.length > q.limit };
  }

  registerBusinessDay(date: string): Promise<void> {
    return this.ledger.registerBusinessDay(date);
  }

  /** The payment's one transaction: every effect, or none (see docs/adr/0004). */
  async commitPayment(c: PaymentCommit): Promise<void> {
    const items: TransactItem[] = [];
    const roles: Role[] = [];
    const add = (role: Role, item: TransactItem) => {
      items.push(item);
      roles.push(role);
    };
    for (const noticeNo of c.noticeNos)
      add(
        { kind: 'notice', noticeNo },
        {
          Update: {
            TableName: this.notices,
            Key: noticeKey(noticeNo),
            UpdateExpression: 'SET #s = :paid, paymentId = :pid, paidAt = :at',
            ConditionExpression: '#s = :issued AND dueDate >= :today',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':paid': 'paid', ':issued': 'issued', ':pid': c.payment.paymentId, ':at': c.payment.paidAt, ':today': c.today },
          },
        },
      );
    add(
      { kind: 'payment' },
      {
        Put: {
          TableName: this.payments,
          Item: {
            ...paymentKeys.payment(c.payment.paymentId),
            gsi1pk: paymentKeys.paymentDayShard(c.payment.businessDate, shardOf(c.payment.paymentId)),
            gsi1sk: `${c.payment.paidAt}#${c.payment.paymentId}`,
            ...c.payment,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    );
    if (c.bankRef)
      add(
        { kind: 'bank-ref' },
        {
          Put: {
            TableName: this.payments,
            Item: { ...paymentKeys.bankRef(c.bankRef.channel, c.bankRef.bankRef), recordType: 'bank-ref', ...c.bankRef, paymentId: c.payment.paymentId },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      );
    const [ledgerPut, dayGuard] = this.ledger.postTransactionItems(c.ledger);
    add({ kind: 'ledger' }, ledgerPut!);
    add({ kind: 'day-guard' }, dayGuard!);
    add({ kind: 'receipt' }, this.receiptPut(c.receipt));
    add({ kind: 'idempotency' }, this.idempotency.completionItem(c.claim, c.response, c.nowMs));
    await this.transact(items, roles, c.token, c.today);
  }

  async commitRefund(c: RefundCommit): Promise<void> {
    const items: TransactItem[] = [];
    const roles: Role[] = [];
    const add = (role: Role, item: TransactItem) => {
      items.push(item);
      roles.push(role);
    };
    add(
      { kind: 'refunded-total' },
      {
        Update: {
          TableName: this.payments,
          Key: paymentKeys.payment(c.paymentId),
          UpdateExpression: 'SET refundedTotal = :new, lineRefunded = :lines',
          ConditionExpression: 'refundedTotal = :prev AND amount >= :new',
          ExpressionAttributeValues: { ':new': c.refundedTotal, ':prev': c.previousRefunded, ':lines': c.lineRefunded },
        },
      },
    );
    const { reason, ...refund } = c.refund; // free text stays out of the streamed Payments table
    add(
      { kind: 'payment' },
      {
        Put: {
          TableName: this.payments,
          Item: {
            ...paymentKeys.refund(c.paymentId, refund.refundId),
            gsi1pk: paymentKeys.refundDayShard(refund.businessDate, shardOf(refund.refundId)),
            gsi1sk: `${refund.refundedAt}#${refund.refundId}`,
            ...refund,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    );
    const [ledgerPut, dayGuard] = this.ledger.postTransactionItems(c.ledger);
    add({ kind: 'ledger' }, ledgerPut!);
    add({ kind: 'day-guard' }, dayGuard!);
    add({ kind: 'receipt' }, this.receiptPut(c.receipt, { reason }));
    add(
      { kind: 'receipt' },
      {
        Update: {
          TableName: this.receipts,
          Key: paymentKeys.receipt(c.original.receiptNo),
          UpdateExpression: 'SET #s = :s',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': c.original.status },
        },
      },
    );
    add({ kind: 'idempotency' }, this.idempotency.completionItem(c.claim, c.response, c.nowMs));
    await this.transact(items, roles, c.token, c.refund.businessDate);
  }

  private receiptPut(receipt: Receipt, extra: Record<string, unknown> = {}): TransactItem {
    return {
      Put: {
        TableName: this.receipts,
        Item: { ...paymentKeys.receipt(receipt.receiptNo), ...receipt, ...extra },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  private async transact(items: TransactItem[], roles: Role[], token: string, today: string): Promise<void> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: token }));
    } catch (e) {
      if (!(e instanceof TransactionCanceledException)) {
        if (e instanceof Error && e.name === 'TransactionConflictException') throw new TransientConflict(e.message);
        throw e;
      }
      const reasons = e.CancellationReasons ?? [];
      for (const [i, reason] of reasons.entries()) {
        if (reason.Code !== 'ConditionalCheckFailed') continue;
        throw await this.problemOf(roles[i]!, today);
      }
      if (reasons.some((r) => r.Code === 'TransactionConflict')) throw new TransientConflict('a concurrent transaction touched the same items');
      throw e;
    }
  }

  /** Maps the entry whose condition failed to the problem the caller sees. */
  private async problemOf(role: Role, today: string): Promise<Error> {
    switch (role.kind) {
      case 'notice': {
        const [n] = (await this.getNotices([role.noticeNo])).values();
        if (!n) return new DomainError('not-found', `No notice ${role.noticeNo}`);
        const status = statusOn(n, today);
        if (status === 'paid') return new DomainError('notice-already-paid', `Notice ${role.noticeNo} is already paid`);
        if (status === 'cancelled') return new DomainError('notice-cancelled', `Notice ${role.noticeNo} is cancelled`);
        if (status === 'expired') return new DomainError('notice-expired', `Notice ${role.noticeNo} was due on ${n.dueDate}`);
        return new TransientConflict(`notice ${role.noticeNo} changed meanwhile`);
      }
      case 'bank-ref':
        return new DomainError('bank-ref-duplicate', 'This bankRef was already used on this channel', [{ path: 'bankRef', message: 'already used' }]);
      case 'day-guard':
        return new DomainError('day-closed', `Business day ${today} is closed`);
      case 'idempotency':
        return new DomainError('idempotency-in-progress', 'Another request took over this Idempotency-Key; retry later');
      case 'refunded-total':
      case 'receipt':
        // Another refund committed first, or a receipt number collided: re-read and try again.
        return new TransientConflict(`${role.kind} changed meanwhile`);
      case 'payment':
      case 'ledger':
        return new DomainError('concurrent-update', 'The payment id is already taken; retry');
    }
  }
}
