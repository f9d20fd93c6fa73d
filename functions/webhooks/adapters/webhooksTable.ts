import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll, queryPage, stripKeys, type DocClient, type Item } from '../../shared/adapters/dynamo';
import { DomainError } from '../../shared/domain/errors';
import type { AttemptRecord, DeliveryRecord, EndpointRecord, WebhookStore } from '../ports';
import { AttemptWrites } from './attemptWrites';

/**
 * The Webhooks table (no personal data; its NEW_IMAGE stream carries the outbox below):
 * - endpoint `WHEP#<id>` / `WHEP`: EndpointRecord (the secret sealed); gsi1 `WHDEPT#<dept>` /
 *   `<createdAt>#<id>`: a department's endpoints;
 * - delivery `WHEP#<endpointId>` / `DLV#<deliveryId>`: DeliveryRecord, the delivery log (ids sort by
 *   the event's time), kept DELIVERY_DAYS;
 * - outbox event `WHEVT#<eventId>` / `WHEVT`: a notice cancelled, written in the cancellation's own
 *   transaction by the notices context (adapters/index.ts), read from the stream, kept OUTBOX_DAYS.
 */
export const webhookKeys = {
  endpoint: (id: string) => ({ pk: `WHEP#${id}`, sk: 'WHEP' }),
  delivery: (endpointId: string, deliveryId: string) => ({ pk: `WHEP#${endpointId}`, sk: `DLV#${deliveryId}` }),
  outbox: (eventKey: string) => ({ pk: `WHEVT#${eventKey}`, sk: 'WHEVT' }),
};

const DAY_SECONDS = 86_400;
export const DELIVERY_DAYS = 30;
export const OUTBOX_DAYS = 7;
const expiresAt = (iso: string, days: number) => Math.floor(Date.parse(iso) / 1000) + days * DAY_SECONDS;

const toEndpoint = (i: Item) => stripKeys<EndpointRecord>(i, 'recordType');
const toDelivery = (i: Item) => stripKeys<DeliveryRecord>(i, 'recordType', 'expiresAt');

export class WebhooksTable implements WebhookStore {
  private readonly attempts: AttemptWrites;

  constructor(
    private readonly client: DocClient,
    private readonly table: string,
  ) {
    this.attempts = new AttemptWrites(client);
  }

  async putEndpoint(e: EndpointRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...webhookKeys.endpoint(e.id),
          gsi1pk: `WHDEPT#${e.departmentId}`,
          gsi1sk: `${e.createdAt}#${e.id}`,
          recordType: 'endpoint',
          ...e,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async getEndpoint(id: string): Promise<EndpointRecord | undefined> {
    const r = await this.client.send(new GetCommand({ TableName: this.table, Key: webhookKeys.endpoint(id) }));
    return r.Item ? toEndpoint(r.Item) : undefined;
  }

  async endpointsOf(departmentId: string): Promise<EndpointRecord[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': `WHDEPT#${departmentId}` },
    });
    return items.map(toEndpoint);
  }

  async deleteEndpoint(id: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.table, Key: webhookKeys.endpoint(id) }));
  }

  async ensureDelivery(d: DeliveryRecord): Promise<DeliveryRecord> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...webhookKeys.delivery(d.endpointId, d.deliveryId),
            recordType: 'delivery',
            expiresAt: expiresAt(d.createdAt, DELIVERY_DAYS),
            ...d,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return d;
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
      return (await this.getDelivery(d.endpointId, d.deliveryId)) ?? d;
    }
  }

  async getDelivery(endpointId: string, deliveryId: string): Promise<DeliveryRecord | undefined> {
    const r = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: webhookKeys.delivery(endpointId, deliveryId),
        ConsistentRead: true,
      }),
    );
    return r.Item ? toDelivery(r.Item) : undefined;
  }

  async deliveriesOf(endpointId: string, limit: number, after?: Record<string, unknown>) {
    try {
      const page = await queryPage(this.client, {
        TableName: this.table,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :d)',
        ExpressionAttributeValues: { ':p': `WHEP#${endpointId}`, ':d': 'DLV#' },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: after,
      });
      return { items: page.items.map(toDelivery), next: page.lastKey };
    } catch (e) {
      // A doctored start key is bad input, not a 5xx (the cursor is sealed, so this is belt and braces).
      if (after && e instanceof Error && e.name === 'ValidationException')
        throw new DomainError('validation-failed', 'cursor: not a cursor this API issued', [
          { path: 'cursor', message: 'invalid cursor' },
        ]);
      throw e;
    }
  }

  async recordAttempt(a: AttemptRecord): Promise<boolean> {
    const set = ['attempts = attempts + :one', '#s = :status', 'lastAttemptAt = :at'];
    const remove: string[] = [];
    const values: Record<string, unknown> = {
      ':one': 1,
      ':status': a.status,
      ':at': a.at,
      ':expected': a.expectedAttempts,
      ':pending': 'pending',
    };
    if (a.statusCode !== undefined) {
      set.push('lastStatusCode = :code');
      values[':code'] = a.statusCode;
      remove.push('lastError');
    } else {
      set.push('lastError = :error');
      values[':error'] = a.error;
      remove.push('lastStatusCode');
    }
    if (a.nextAttemptAt) {
      set.push('nextAttemptAt = :next');
      values[':next'] = a.nextAttemptAt;
    } else remove.push('nextAttemptAt');
    const Key = webhookKeys.delivery(a.endpointId, a.deliveryId);
    return this.attempts.write(`${Key.pk}|${Key.sk}`, {
      TableName: this.table,
      Key,
      UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
      ConditionExpression: 'attempts = :expected AND #s = :pending',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: values,
    });
  }

  async restart(endpointId: string, deliveryId: string, at: string): Promise<DeliveryRecord | undefined> {
    const Key = webhookKeys.delivery(endpointId, deliveryId);
    // No ReturnValues: the request's audit event rides on this write as a transaction (ADR 0017),
    // which returns no item; the record is read back, consistently, once the write has committed.
    const update = async (expression: string, condition: string, values: Record<string, unknown>) => {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key,
            UpdateExpression: expression,
            ConditionExpression: condition,
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':at': at, ':pending': 'pending', ...values },
          }),
        );
        const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key, ConsistentRead: true }));
        return Item ? toDelivery(Item) : undefined;
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException) return undefined;
        throw e;
      }
    };
    // A finished delivery starts a new schedule; a pending one is only brought forward.
    return (
      (await update(
        'SET #s = :pending, scheduleStart = attempts, nextAttemptAt = :at',
        'attribute_exists(pk) AND #s <> :pending',
        {},
      )) ?? (await update('SET nextAttemptAt = :at', 'attribute_exists(pk) AND #s = :pending', {}))
    );
  }
}
