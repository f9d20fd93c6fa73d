import { BatchGetCommand, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Receipt } from '../../../schemas/payments';
import { paymentsTableKeys } from '../../../schemas/records';
import { DAY_SHARDS, LedgerTable, shardOf } from '../../ledger/adapters';
import { statusOn, type NoticeRecord } from '../../notices';
import { NoticesForPayments } from '../../notices/adapters';
import {
  CONDITION_FAILED,
  cancellationCodes,
  queryPages,
  sleep,
  stripKeys,
  type DocClient,
  type TransactItem,
} from '../../shared/adapters/dynamo';
import { IdempotencyTable, idempotencyKey, recordOf } from '../../shared/adapters/idempotencyTable';
import { DomainError } from '../../shared/domain/errors';
import {
  TransientConflict,
  type PaymentCommit,
  type PaymentStore,
  type PaymentsPageQuery,
  type RefundCommit,
  type StoredPayment,
} from '../ports';
import { noticePending } from '../../notices';
import { noticeNotPayable } from '../domain/settlement';
import { byPosition } from '../domain/views';
import { bankRefClaim, bankRefKey } from './bankRefs';
import { paymentKey } from './paymentKey';
import { Entries, problemOfEntry, type Role } from './entries';
import { receiptKeys, ReceiptsTable } from './receiptsTable';

/**
 * DynamoDB adapter of the payments context.
 *
 * Payments table (PII-free; its NEW_IMAGE stream feeds the open-data aggregator), keys in
 * schemas/records.ts:
 * - payment `PDAY#<businessDate>#<shard>` / `PAY#<paymentId>`: PaymentRecord + refundedTotal +
 *   lineRefunded; a day's payments are read by key, in id order (= the order they were made);
 * - refund `PAY#<paymentId>` / `REFUND#<refundId>`: RefundRecord; gsi1 `RDAY#<businessDate>#<shard>`;
 * Receipts table: see ./receiptsTable.ts (a receipt's JWS in parts, the signing keys' certificates).
 * Idempotency table: the request's record, and the bank reference's claim (./bankRefs.ts).
 * Notices are read and paid through the notices context's storage interface, ledger transactions posted through the ledger's.
 */
export const paymentKeys = {
  ...paymentsTableKeys,
  payment: paymentKey,
  receipt: receiptKeys.receipt,
  bankRef: bankRefKey,
};

/** The physical names of the tables a payment writes. */
export interface PaymentTables {
  payments: string;
  receipts: string;
  notices: string;
  ledger: string;
  idempotency: string;
}

export type OrderSucceeded = (
  orderId: string,
  p: { paymentId: string; receiptNo: string; tradeNo: string; updatedAt: string },
) => TransactItem;

export class PaymentsTable implements PaymentStore {
  private readonly notices: NoticesForPayments;
  private readonly idempotency: IdempotencyTable;
  private readonly ledger: LedgerTable;
  private readonly receipts: ReceiptsTable;

  constructor(
    private readonly client: DocClient,
    private readonly tables: PaymentTables,
    /** The orders context's entry moving an order to `succeeded` inside its payment's transaction. */
    private readonly orderSucceeded?: OrderSucceeded,
  ) {
    this.notices = new NoticesForPayments(client, tables.notices);
    this.idempotency = new IdempotencyTable(client, tables.idempotency);
    this.ledger = new LedgerTable(client, tables.ledger);
    this.receipts = new ReceiptsTable(client, tables.receipts);
  }

  getNotices(noticeNos: string[]): Promise<Map<string, NoticeRecord>> {
    return this.notices.getNotices(noticeNos);
  }

  /** One BatchGetItem over the Notices and Idempotency tables (its unprocessed keys asked again). */
  async readForPayment(noticeNos: string[], idempotencyId: string) {
    const notices = this.notices.keysOf(noticeNos);
    let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: true }> | undefined = {
      [notices.table]: { Keys: notices.keys, ConsistentRead: true },
      [this.tables.idempotency]: { Keys: [idempotencyKey(idempotencyId)], ConsistentRead: true },
    };
    const got: Record<string, Record<string, unknown>[]> = {};
    for (let attempt = 0; request && Object.keys(request).length; attempt++) {
      if (attempt > 0) await sleep(Math.min(1000, 20 * 2 ** attempt));
      const r = await this.client.send(new BatchGetCommand({ RequestItems: request }));
      for (const [table, items] of Object.entries(r.Responses ?? {})) (got[table] ??= []).push(...items);
      request = r.UnprocessedKeys as typeof request;
    }
    const [record] = got[this.tables.idempotency] ?? [];
    return { notices: this.notices.recordsOf(got[notices.table] ?? []), record: record && recordOf(record) };
  }

  async getPayment(paymentId: string): Promise<StoredPayment | undefined> {
    const r = await this.client.send(
      new GetCommand({ TableName: this.tables.payments, Key: paymentKeys.payment(paymentId), ConsistentRead: true }),
    );
    return r.Item ? stripKeys<StoredPayment>(r.Item) : undefined;
  }

  getReceipt(receiptNo: string): Promise<Receipt | undefined> {
    return this.receipts.get(receiptNo);
  }

  /**
   * Keyset page over the day's DAY_SHARDS partitions: each is read in id order from `after` (a
   * payment id) until it yields `limit` matches (or ends), then the shards are merged; so a page reads
   * O(shards × limit) items, never the whole day.
   */
  async paymentsPage(q: PaymentsPageQuery): Promise<{ items: StoredPayment[]; more: boolean }> {
    const perShard = await Promise.all(Array.from({ length: DAY_SHARDS }, (_, shard) => this.shardPage(q, shard)));
    const merged = perShard.flat().sort(byPosition);
    // A shard that is not exhausted holds more than `limit` matches itself, so `more` is exact.
    return { items: merged.slice(0, q.limit), more: merged.length > q.limit };
  }

  /** More than `limit` matches of one shard after `after` (all of them if it holds fewer). */
  private async shardPage(q: PaymentsPageQuery, shard: number): Promise<StoredPayment[]> {
    const out: StoredPayment[] = [];
    const pages = queryPages(this.client, {
      TableName: this.tables.payments,
      KeyConditionExpression: 'pk = :p AND sk BETWEEN :from AND :to',
      ...(q.channel ? { FilterExpression: 'channel = :c' } : {}),
      ExpressionAttributeValues: {
        ':p': paymentKeys.paymentDayShard(q.businessDate, shard),
        // after the cursor's payment (a key just past it), up to the last payment id possible
        ':from': q.after ? `PAY#${q.after}#` : 'PAY#',
        ':to': 'PAY$',
        ...(q.channel ? { ':c': q.channel } : {}),
      },
      Limit: q.limit + 1,
    });
    for await (const page of pages) {
      for (const i of page) out.push(stripKeys<StoredPayment>(i));
      if (out.length > q.limit) break;
    }
    return out;
  }

  registerBusinessDay(date: string): Promise<void> {
    return this.ledger.registerBusinessDay(date);
  }

  /** The payment's one transaction: every effect, or none (see docs/adr/0004). */
  async commitPayment(c: PaymentCommit): Promise<void> {
    const { payment } = c;
    const tx = new Entries();
    // The Idempotency-Key's record first: when it fails, a concurrent same-key request won, whatever else failed.
    if ('completed' in c.idempotency)
      tx.add(
        { kind: 'idempotency-record' },
        this.idempotency.completedItem({ ...c.idempotency.completed, owner: payment.paymentId, nowMs: c.nowMs }),
      );
    for (const [index, noticeNo] of c.noticeNos.entries())
      tx.add(
        { kind: 'notice', noticeNo, index },
        this.notices.markPaidItem(noticeNo, {
          paymentId: payment.paymentId,
          paidAt: payment.paidAt,
          today: c.today,
          orderId: c.orderId,
        }),
      );
    tx.add(
      { kind: 'payment' },
      this.newItem(this.tables.payments, { ...paymentKey(payment.paymentId, payment.businessDate), ...payment }),
    );
    if (c.bankRef) tx.add({ kind: 'bank-ref' }, bankRefClaim(this.tables.idempotency, c.bankRef, payment.paymentId));
    this.addLedgerEntries(tx, c.ledger, c.today);
    for (const item of this.receipts.putItems(c.receipt)) tx.add({ kind: 'receipt' }, item);
    if (c.orderId && this.orderSucceeded) {
      const { paymentId, receiptNo, paidAt: updatedAt } = payment;
      const tradeNo = c.bankRef?.bankRef ?? '';
      tx.add({ kind: 'order' }, this.orderSucceeded(c.orderId, { paymentId, receiptNo, tradeNo, updatedAt }));
    }
    if ('claim' in c.idempotency)
      tx.add(
        { kind: 'idempotency' },
        this.idempotency.completionItem(c.idempotency.claim, c.idempotency.response, c.nowMs),
      );
    await this.transact(tx, c.token, c.today, c.orderId);
    this.receipts.stored(c.receipt);
  }

  async commitRefund(c: RefundCommit): Promise<void> {
    const tx = new Entries();
    tx.add(
      { kind: 'refunded-total' },
      {
        Update: {
          TableName: this.tables.payments,
          Key: paymentKeys.payment(c.paymentId),
          UpdateExpression: 'SET refundedTotal = :new, lineRefunded = :lines',
          ConditionExpression: 'refundedTotal = :prev AND amount >= :new',
          ExpressionAttributeValues: { ':new': c.refundedTotal, ':prev': c.previousRefunded, ':lines': c.lineRefunded },
        },
      },
    );
    const { reason, ...refund } = c.refund; // free text stays out of the streamed Payments table
    tx.add(
      { kind: 'payment' },
      this.newItem(this.tables.payments, {
        ...paymentKeys.refund(c.paymentId, refund.refundId),
        gsi1pk: paymentKeys.refundDayShard(refund.businessDate, shardOf(refund.refundId)),
        gsi1sk: `${refund.refundedAt}#${refund.refundId}`,
        ...refund,
      }),
    );
    this.addLedgerEntries(tx, c.ledger, c.refund.businessDate);
    for (const item of this.receipts.putItems(c.receipt, { reason })) tx.add({ kind: 'receipt' }, item);
    tx.add({ kind: 'receipt' }, this.receipts.statusItem(c.original.receiptNo, c.original.status));
    tx.add({ kind: 'idempotency' }, this.idempotency.completionItem(c.claim, c.response, c.nowMs));
    await this.transact(tx, c.token, c.refund.businessDate);
    this.receipts.stored(c.receipt);
  }

  /**
   * The ledger transaction's put, and its day-open check unless it posts into the business day it is
   * made on (`today`), as payments and refunds do: then the close waits instead (ledger/domain/closing.ts).
   */
  private addLedgerEntries(tx: Entries, posting: PaymentCommit['ledger'], today: string): void {
    const [ledgerPut, dayGuard] = this.ledger.postTransactionItems(posting, today);
    tx.add({ kind: 'ledger' }, ledgerPut!);
    if (dayGuard) tx.add({ kind: 'day-guard' }, dayGuard);
  }

  /** A put of an item that must not exist yet. */
  private newItem(table: string, item: Record<string, unknown>): TransactItem {
    return { Put: { TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } };
  }

  private async transact(tx: Entries, token: string, today: string, orderId?: string): Promise<void> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: tx.items, ClientRequestToken: token }));
    } catch (e) {
      const codes = cancellationCodes(e);
      if (!codes) {
        if (e instanceof Error && e.name === 'TransactionConflictException') throw new TransientConflict(e.message);
        throw e;
      }
      const failed = codes.indexOf(CONDITION_FAILED);
      if (failed >= 0) throw await this.problemOf(tx.roles[failed]!, today, orderId);
      if (codes.includes('TransactionConflict'))
        throw new TransientConflict('a concurrent transaction touched the same items');
      throw e;
    }
  }

  /** Maps the entry whose condition failed to the problem the caller sees. */
  private async problemOf(role: Role, today: string, orderId: string | undefined): Promise<Error> {
    if (role.kind === 'notice') return this.noticeProblem(role.noticeNo, role.index, today, orderId);
    return problemOfEntry(role.kind, today);
  }

  /** Why a notice could not be marked paid, as read back now. */
  private async noticeProblem(noticeNo: string, index: number, today: string, orderId?: string): Promise<Error> {
    const [n] = (await this.notices.getNotices([noticeNo])).values();
    const path = `noticeNos.${index}`;
    if (!n) return new DomainError('not-found', `${path}: no such notice`, [{ path, message: 'no such notice' }]);
    const status = statusOn(n, today);
    if (status !== 'issued') return noticeNotPayable(status, index, n.dueDate);
    if (n.reservation && n.reservation.orderId !== orderId) return noticePending(index, n.reservation.expiresAt);
    return new TransientConflict(`notice ${noticeNo} changed meanwhile`);
  }
}
