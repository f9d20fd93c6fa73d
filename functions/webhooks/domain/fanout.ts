import { createHash } from 'node:crypto';
import type { DeliveryMessage, DeliveryQueue, DeliveryRecord, WebhookEvent, WebhookStore } from '../ports';

/**
 * Turns events into deliveries: one per event and subscribed endpoint of the event's department,
 * each stored before it is queued (the delivery log is the truth; the queue only says when to try).
 * Running it again on the same events (a stream batch retried) finds the same deliveries and queues
 * the pending ones again; the dispatcher's conditional write makes a duplicate message harmless.
 */

/** Time-ordered (by the event's time) and derived from endpoint and event, so a retry finds it again. */
export function deliveryIdOf(endpointId: string, event: WebhookEvent): string {
  const at = event.timestamp.replace(/\D/g, '').slice(0, 17).padEnd(17, '0');
  const h = createHash('sha256').update(`${endpointId}|${event.id}`).digest('hex').slice(0, 16);
  return `dlv_${at}${h}`;
}

export const messageOf = (d: DeliveryRecord, notBefore: string): DeliveryMessage => ({
  endpointId: d.endpointId,
  deliveryId: d.deliveryId,
  attempts: d.attempts,
  scheduleStart: d.scheduleStart,
  notBefore,
  eventId: d.eventId,
  payload: d.payload,
});

export async function fanOut(
  events: WebhookEvent[],
  deps: { store: WebhookStore; queue: DeliveryQueue; now: () => Date },
): Promise<{ events: number; deliveries: number }> {
  const messages: DeliveryMessage[] = [];
  const endpointsByDept = new Map<string, Awaited<ReturnType<WebhookStore['endpointsOf']>>>();
  for (const event of events) {
    const dept = event.data.departmentId;
    let endpoints = endpointsByDept.get(dept);
    if (!endpoints) {
      endpoints = await deps.store.endpointsOf(dept);
      endpointsByDept.set(dept, endpoints);
    }
    const createdAt = deps.now().toISOString();
    for (const e of endpoints.filter((x) => x.events.includes(event.type))) {
      const stored = await deps.store.ensureDelivery({
        deliveryId: deliveryIdOf(e.id, event),
        endpointId: e.id,
        departmentId: dept,
        eventId: event.id,
        type: event.type,
        payload: JSON.stringify(event),
        status: 'pending',
        attempts: 0,
        scheduleStart: 0,
        createdAt,
        nextAttemptAt: createdAt,
      });
      if (stored.status === 'pending') messages.push(messageOf(stored, stored.nextAttemptAt ?? createdAt));
    }
  }
  for (let i = 0; i < messages.length; i += 10) await deps.queue.send(messages.slice(i, i + 10), 0);
  return { events: events.length, deliveries: messages.length };
}
