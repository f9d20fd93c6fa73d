import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { AesSecretBox } from '../../../functions/webhooks/adapters/secretBox';
import { Dispatcher } from '../../../functions/webhooks/domain/dispatch';
import { fanOut } from '../../../functions/webhooks/domain/fanout';
import { eventsOf } from '../../../functions/webhooks/domain/events';
import type { DeliveryMessage, SendOutcome, SignedRequest } from '../../../functions/webhooks/ports';
import { ATTEMPTS_PER_SCHEDULE } from '../../../functions/webhooks/domain/schedule';
import { MemoryWebhookStore } from './memoryStore';

const secret = `whsec_${Buffer.from('a'.repeat(24)).toString('base64')}`;
const box = new AesSecretBox('k'.repeat(40));

function world(answers: SendOutcome[]) {
  let now = new Date('2026-03-31T02:00:00.000Z');
  const store = new MemoryWebhookStore();
  const queued: { m: DeliveryMessage; delayMs: number }[] = [];
  const sent: SignedRequest[] = [];
  const queue = {
    send: async (ms: DeliveryMessage[], delayMs: number) => void queued.push(...ms.map((m) => ({ m, delayMs }))),
  };
  const dispatcher = new Dispatcher({
    store,
    queue,
    sender: {
      post: async (r) => {
        sent.push(r);
        return answers.shift() ?? { statusCode: 204 };
      },
    },
    secrets: box,
    now: () => now,
    wallClock: () => new Date(),
    retryScale: () => 1,
  });
  /** Runs the queue to empty, moving the clock to each message's time, as the queue would. */
  const drain = async () => {
    const results: string[] = [];
    while (queued.length) {
      const { m, delayMs } = queued.shift()!;
      now = new Date(now.getTime() + delayMs);
      results.push(await dispatcher.dispatch(m));
    }
    return results;
  };
  return { store, queue, queued, sent, dispatcher, drain, now: () => now };
}

async function subscribed(w: ReturnType<typeof world>) {
  await w.store.putEndpoint({
    id: 'we_AAAAAAAAAAAAAAAA',
    departmentId: 'D01',
    url: 'https://hooks.example.org/x',
    events: ['notice.cancelled'],
    sealedSecret: box.seal(secret),
    createdAt: '2026-03-30T00:00:00.000Z',
  });
  const events = eventsOf({
    kind: 'cancelled',
    noticeNo: 'N1',
    departmentId: 'D01',
    amount: 700,
    cancelledAt: '2026-03-31T02:00:00.000Z',
  });
  await fanOut(events, { store: w.store, queue: w.queue, now: w.now });
  return events[0]!;
}

describe('the dispatcher', () => {
  it('signs every attempt per Standard Webhooks with the same webhook-id and body, retrying until 2xx', async () => {
    const w = world([{ statusCode: 500 }, { error: 'timeout' }, { statusCode: 503 }]);
    const event = await subscribed(w);
    const results = (await w.drain()).filter((r) => r !== 'deferred');
    expect(results).toEqual(['retry-scheduled', 'retry-scheduled', 'retry-scheduled', 'delivered']);
    expect(w.sent).toHaveLength(4);
    for (const r of w.sent) {
      expect(r.headers['webhook-id']).toBe(event.id);
      expect(new Webhook(secret).verify(r.body, r.headers)).toEqual(event);
    }
    const [d] = (await w.store.deliveriesOf('we_AAAAAAAAAAAAAAAA', 10)).items;
    expect(d).toMatchObject({ status: 'succeeded', attempts: 4, lastStatusCode: 204 });
  });

  it('gives up after the schedule’s eight attempts (over a day), and a manual restart gives a new schedule', async () => {
    const w = world(Array.from({ length: 20 }, () => ({ statusCode: 500 })));
    await subscribed(w);
    const start = w.now().getTime();
    const results = await w.drain();
    expect(results.filter((r) => r !== 'deferred')).toEqual([
      ...Array(ATTEMPTS_PER_SCHEDULE - 1).fill('retry-scheduled'),
      'failed',
    ]);
    // Waits longer than SQS's 15-minute delay are several hops.
    expect(results.filter((r) => r === 'deferred').length).toBeGreaterThan(0);
    expect(w.now().getTime() - start).toBeGreaterThan(24 * 3600 * 1000);
    const [d] = (await w.store.deliveriesOf('we_AAAAAAAAAAAAAAAA', 10)).items;
    expect(d).toMatchObject({ status: 'failed', attempts: ATTEMPTS_PER_SCHEDULE, lastStatusCode: 500 });
    const restarted = await w.store.restart(d!.endpointId, d!.deliveryId, w.now().toISOString());
    await w.queue.send([{ ...restarted!, notBefore: w.now().toISOString() } as DeliveryMessage], 0);
    expect((await w.drain())[0]).toBe('retry-scheduled');
  });

  it('a duplicate or overtaken message sends at most once more and schedules nothing', async () => {
    const w = world([]);
    await subscribed(w);
    const { m } = w.queued.shift()!;
    expect(await w.dispatcher.dispatch(m)).toBe('delivered');
    expect(await w.dispatcher.dispatch(m)).toBe('stale');
    expect(w.sent).toHaveLength(2);
    expect(w.queued).toEqual([]);
    // A message without the body reads the delivery, and sends nothing for one that is finished.
    const { eventId: _e, payload: _p, ...bare } = m;
    expect(await w.dispatcher.dispatch(bare)).toBe('stale');
    expect(w.sent).toHaveLength(2);
  });

  it('stops when the endpoint is gone', async () => {
    const w = world([]);
    await subscribed(w);
    await w.store.deleteEndpoint('we_AAAAAAAAAAAAAAAA');
    expect(await w.drain()).toEqual(['gone']);
    expect(w.sent).toEqual([]);
  });
});

describe('sealed endpoint secrets', () => {
  it('opens what it sealed, and nothing tampered with or sealed under another key', () => {
    const sealed = box.seal(secret);
    expect(sealed).not.toContain(secret.slice(6, 20));
    expect(box.open(sealed)).toBe(secret);
    const [v, iv, body, tag] = sealed.split('.');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[0]! ^= 1;
    expect(() => box.open([v, iv, flipped.toString('base64url'), tag].join('.'))).toThrow();
    expect(() => new AesSecretBox('z'.repeat(40)).open(sealed)).toThrow();
  });
});
