import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { NoticesForOrders } from '../../notices/adapters';
import {
  CONDITION_FAILED,
  cancellationCodes,
  queryPage,
  stripKeys,
  type DocClient,
  type Item,
  type TransactItem,
} from '../../shared/adapters/dynamo';
import { PAYABLE_FROM } from '../domain/rules';
import type { NoticeRecord, OrderRecord, OrdersPage, OrderStatus, OrderStore } from '../ports';

/**
 * The Orders table. One item per payment order:
 * - pk `ORDER#<orderId>`, sk `ORDER`;
 * - gsi1 (sparse, open orders only): `OPEN` / `<expiresAt>#<orderId>`, the sweep's work list; the
 *   keys are removed when the order leaves `created`. One partition: open orders are few (minutes
 *   long) and written at most a few per second at a city's rate, far below a key's 1,000 writes/s.
 * - gsi2: `ODATE#<business date>` / `<createdAt>#<orderId>`, finance's list.
 * Holds on notices are written through the notices context's storage interface (NoticesForOrders).
 */
const orderKey = (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: 'ORDER' });
const KEYS = ['gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'businessDate'];
const toOrder = (i: Item): OrderRecord => stripKeys<OrderRecord>(i, ...KEYS);

/**
 * The order's move to `succeeded`, as an entry of the payment's one transaction (the payments
 * context adds it when it records an order's payment): the order cannot be paid twice, nor stay
 * `created` beside its payment, and the notification costs no separate write (docs/adr/0015).
 */
export function orderSucceededItem(
  table: string,
  orderId: string,
  p: { paymentId: string; receiptNo: string; tradeNo: string; updatedAt: string },
): TransactItem {
  const from = Object.fromEntries(PAYABLE_FROM.map((s, i) => [`:f${i}`, s]));
  return {
    Update: {
      TableName: table,
      Key: orderKey(orderId),
      UpdateExpression:
        'SET #s = :s, tradeNo = :t, paymentId = :p, receiptNo = :r, updatedAt = :u REMOVE gsi1pk, gsi1sk',
      ConditionExpression: `attribute_exists(pk) AND #s IN (${Object.keys(from).join(', ')})`,
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: {
        ':s': 'succeeded',
        ':t': p.tradeNo,
        ':p': p.paymentId,
        ':r': p.receiptNo,
        ':u': p.updatedAt,
        ...from,
      },
    },
  };
}

export class OrdersTable implements OrderStore {
  private readonly notices: NoticesForOrders;

  constructor(
    private readonly client: DocClient,
    private readonly tables: { orders: string; notices: string },
  ) {
    this.notices = new NoticesForOrders(client, tables.notices);
  }

  getNotices(noticeNos: string[]): Promise<Map<string, NoticeRecord>> {
    return this.notices.getNotices(noticeNos);
  }

  async createWithHolds(order: OrderRecord, today: string): Promise<boolean> {
    const hold = { orderId: order.orderId, expiresAt: order.expiresAt, today };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tables.orders,
                Item: {
                  ...orderKey(order.orderId),
                  gsi1pk: 'OPEN',
                  gsi1sk: `${order.expiresAt}#${order.orderId}`,
                  gsi2pk: `ODATE#${today}`,
                  gsi2sk: `${order.createdAt}#${order.orderId}`,
                  businessDate: today,
                  ...order,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            ...order.noticeNos.map((no) => this.notices.reserveItem(no, hold)),
          ],
        }),
      );
      return true;
    } catch (e) {
      if (cancellationCodes(e)?.includes(CONDITION_FAILED)) return false;
      throw e;
    }
  }

  async get(orderId: string): Promise<OrderRecord | undefined> {
    const r = await this.client.send(
      new GetCommand({ TableName: this.tables.orders, Key: orderKey(orderId), ConsistentRead: true }),
    );
    return r.Item ? toOrder(r.Item) : undefined;
  }

  async transition(
    orderId: string,
    from: readonly OrderStatus[],
    next: Partial<OrderRecord> & { status: OrderStatus },
  ): Promise<boolean> {
    const names: Record<string, string> = { '#s': 'status' };
    const values: Record<string, unknown> = Object.fromEntries(from.map((s, i) => [`:f${i}`, s]));
    const sets = Object.entries(next).map(([k, v], i) => {
      names[`#a${i}`] = k;
      values[`:a${i}`] = v;
      return `#a${i} = :a${i}`;
    });
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tables.orders,
          Key: orderKey(orderId),
          // Leaving `created` takes the order off the sweep's index.
          UpdateExpression: `SET ${sets.join(', ')}${next.status === 'created' ? '' : ' REMOVE gsi1pk, gsi1sk'}`,
          ConditionExpression: `attribute_exists(pk) AND #s IN (${from.map((_, i) => `:f${i}`).join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async releaseHolds(order: Pick<OrderRecord, 'orderId' | 'noticeNos'>): Promise<void> {
    await Promise.all(
      order.noticeNos.map((no) =>
        this.client.send(new UpdateCommand(this.notices.releaseItem(no, order.orderId))).catch((e: unknown) => {
          if (!(e instanceof ConditionalCheckFailedException)) throw e;
        }),
      ),
    );
  }

  async openOrders(limit: number): Promise<OrderRecord[]> {
    const page = await queryPage(this.client, {
      TableName: this.tables.orders,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': 'OPEN' },
      Limit: limit,
    });
    return page.items.map(toOrder);
  }

  /** Day by day from `to` back to `from`; a page ends inside a day at the last order returned. */
  async list(q: {
    from: string;
    to: string;
    limit: number;
    after?: { date: string; after: string };
  }): Promise<OrdersPage> {
    const items: OrderRecord[] = [];
    let date = q.after?.date ?? q.to;
    let after = q.after?.after;
    while (date >= q.from) {
      const page = await queryPage(this.client, {
        TableName: this.tables.orders,
        IndexName: 'gsi2',
        KeyConditionExpression: after ? 'gsi2pk = :p AND gsi2sk > :a' : 'gsi2pk = :p',
        ExpressionAttributeValues: { ':p': `ODATE#${date}`, ...(after ? { ':a': after } : {}) },
        Limit: q.limit - items.length,
      });
      items.push(...page.items.map(toOrder));
      if (items.length >= q.limit) {
        const last = items.at(-1)!;
        return { items, next: { date, after: `${last.createdAt}#${last.orderId}` } };
      }
      date = previousDate(date);
      after = undefined;
    }
    return { items };
  }
}

function previousDate(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}
