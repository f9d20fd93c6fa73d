import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DeliveryRecord, EndpointRecord, WebhookStore } from '../../functions/webhooks/ports';

/**
 * The WebhookStore contract (functions/webhooks/ports.ts), run against the in-memory fake
 * (test/unit/webhooks) and the Webhooks table (test/integration/webhooks). Ids are fresh per test.
 */
const endpoint = (departmentId: string, createdAt = '2026-03-31T01:00:00.000Z'): EndpointRecord => ({
  id: `we_${randomBytes(12).toString('base64url')}`,
  departmentId,
  url: 'https://hooks.example.org/one-window',
  events: ['notice.paid'],
  sealedSecret: 'v1.sealed',
  createdAt,
});

const delivery = (endpointId: string, n: number): DeliveryRecord => ({
  deliveryId: `dlv_2026033101000000${n}${randomBytes(8).toString('hex')}`,
  endpointId,
  departmentId: 'D01',
  eventId: `msg_${n}`,
  type: 'notice.paid',
  payload: '{"id":"msg"}',
  status: 'pending',
  attempts: 0,
  scheduleStart: 0,
  createdAt: '2026-03-31T01:00:00.000Z',
  nextAttemptAt: '2026-03-31T01:00:00.000Z',
});

export function describeWebhookStoreContract(name: string, makeStore: () => WebhookStore): void {
  describe(`WebhookStore contract: ${name}`, () => {
    it('keeps endpoints per department, in the order registered, until deleted', async () => {
      const store = makeStore();
      const dept = `D${randomBytes(4).toString('hex').toUpperCase()}`;
      const first = endpoint(dept, '2026-03-31T01:00:00.000Z');
      const second = endpoint(dept, '2026-03-31T02:00:00.000Z');
      await store.putEndpoint(second);
      await store.putEndpoint(first);
      await store.putEndpoint(endpoint(`${dept}X`));
      expect(await store.endpointsOf(dept)).toEqual([first, second]);
      expect(await store.getEndpoint(first.id)).toEqual(first);
      await expect(store.putEndpoint(first)).rejects.toThrow();
      await store.deleteEndpoint(first.id);
      expect(await store.getEndpoint(first.id)).toBeUndefined();
      expect(await store.endpointsOf(dept)).toEqual([second]);
    });

    it('creates a delivery once, and records each attempt only against the attempt count it read', async () => {
      const store = makeStore();
      const e = endpoint('D01');
      const d = delivery(e.id, 1);
      expect(await store.ensureDelivery(d)).toEqual(d);
      expect(await store.ensureDelivery({ ...d, payload: 'other' })).toEqual(d);
      const attempt = { endpointId: e.id, deliveryId: d.deliveryId, at: '2026-03-31T01:00:01.000Z' };
      expect(
        await store.recordAttempt({
          ...attempt,
          expectedAttempts: 0,
          status: 'pending',
          statusCode: 500,
          nextAttemptAt: '2026-03-31T01:00:06.000Z',
        }),
      ).toBe(true);
      // A duplicate message that read the same count loses.
      expect(await store.recordAttempt({ ...attempt, expectedAttempts: 0, status: 'succeeded', statusCode: 204 })).toBe(
        false,
      );
      expect(await store.recordAttempt({ ...attempt, expectedAttempts: 1, status: 'failed', error: 'timeout' })).toBe(
        true,
      );
      const failed = await store.getDelivery(e.id, d.deliveryId);
      expect(failed).toMatchObject({ status: 'failed', attempts: 2, lastError: 'timeout' });
      expect(failed).not.toHaveProperty('lastStatusCode');
      expect(failed).not.toHaveProperty('nextAttemptAt');
      // Nothing is recorded on a finished delivery.
      expect(await store.recordAttempt({ ...attempt, expectedAttempts: 2, status: 'failed', error: 'timeout' })).toBe(
        false,
      );
    });

    it('records attempts made at the same moment independently: a stale one among them loses alone', async () => {
      const store = makeStore();
      const e = endpoint('D01');
      const ds = [];
      for (const n of [5, 6, 7, 8, 9]) ds.push(await store.ensureDelivery(delivery(e.id, n)));
      // Two attempts of the same delivery in one moment as well: exactly one of them wins.
      const results = await Promise.all([
        ...ds.map((d, i) =>
          store.recordAttempt({
            endpointId: e.id,
            deliveryId: d.deliveryId,
            expectedAttempts: i === 2 ? 7 : 0,
            status: 'succeeded',
            at: '2026-03-31T01:00:01.000Z',
            statusCode: 200,
          }),
        ),
        store.recordAttempt({
          endpointId: e.id,
          deliveryId: ds[0]!.deliveryId,
          expectedAttempts: 0,
          status: 'succeeded',
          at: '2026-03-31T01:00:01.000Z',
          statusCode: 204,
        }),
      ]);
      expect(results.slice(1, 5)).toEqual([true, false, true, true]);
      expect([results[0], results[5]].filter(Boolean)).toHaveLength(1);
      for (const [i, d] of ds.entries())
        expect((await store.getDelivery(e.id, d.deliveryId))?.status).toBe(i === 2 ? 'pending' : 'succeeded');
    });

    it('restarts a finished delivery’s schedule, brings a pending one forward, and knows no other', async () => {
      const store = makeStore();
      const e = endpoint('D01');
      const d = await store.ensureDelivery(delivery(e.id, 2));
      await store.recordAttempt({
        endpointId: e.id,
        deliveryId: d.deliveryId,
        expectedAttempts: 0,
        status: 'failed',
        at: '2026-03-31T01:00:01.000Z',
        statusCode: 410,
      });
      const restarted = await store.restart(e.id, d.deliveryId, '2026-04-01T00:00:00.000Z');
      expect(restarted).toMatchObject({
        status: 'pending',
        attempts: 1,
        scheduleStart: 1,
        nextAttemptAt: '2026-04-01T00:00:00.000Z',
      });
      const again = await store.restart(e.id, d.deliveryId, '2026-04-01T00:00:05.000Z');
      expect(again).toMatchObject({ status: 'pending', scheduleStart: 1, nextAttemptAt: '2026-04-01T00:00:05.000Z' });
      expect(await store.restart(e.id, delivery(e.id, 3).deliveryId, '2026-04-01T00:00:00.000Z')).toBeUndefined();
    });

    it('pages an endpoint’s deliveries newest first', async () => {
      const store = makeStore();
      const e = endpoint('D01');
      const made = [];
      for (const n of [1, 2, 3]) made.push(await store.ensureDelivery(delivery(e.id, n)));
      await store.ensureDelivery(delivery(endpoint('D01').id, 4));
      const first = await store.deliveriesOf(e.id, 2);
      expect(first.items.map((d) => d.deliveryId)).toEqual([made[2]!.deliveryId, made[1]!.deliveryId]);
      const rest = await store.deliveriesOf(e.id, 2, first.next);
      expect(rest.items.map((d) => d.deliveryId)).toEqual([made[0]!.deliveryId]);
    });
  });
}
