import { Webhook } from 'standardwebhooks';
import type {
  DeliveryMessage,
  DeliveryQueue,
  EndpointRecord,
  SecretBox,
  SendOutcome,
  WebhookSender,
  WebhookStore,
} from '../ports';
import { nextAttemptAt } from './schedule';

/** SQS delays a message at most 15 minutes; a longer wait is several hops. */
export const MAX_QUEUE_DELAY_MS = 900_000;

export interface DispatchDeps {
  store: WebhookStore;
  queue: DeliveryQueue;
  sender: WebhookSender;
  secrets: SecretBox;
  /** The business clock (the local stack's CLOCK may start it in the past): schedules and the log. */
  now: () => Date;
  /**
   * Real time, for `webhook-timestamp`: receivers check it against their own clocks (Standard
   * Webhooks' five-minute tolerance), whatever day the local stack plays.
   */
  wallClock: () => Date;
  retryScale: () => number;
  /** Endpoints read in this container recently (a delivery burst to one endpoint reads it once). */
  endpointCacheMs?: number;
}

export type DispatchResult = 'delivered' | 'retry-scheduled' | 'failed' | 'deferred' | 'stale' | 'gone';

const succeeded = (o: SendOutcome) => 'statusCode' in o && o.statusCode >= 200 && o.statusCode < 300;

/**
 * Makes one attempt of a queued delivery (the queue's consumer; the same code on SQS and locally).
 * The message carries what the attempt needs (webhook-id, body, attempt count), so an attempt is one
 * signed POST and one conditional DynamoDB write; the outcome is written only if the delivery's
 * attempt count is still what the message says, so a duplicated message or one overtaken by a
 * manual retry sends at most one extra copy (at least once, with the same `webhook-id`) and
 * schedules nothing. An endpoint deleted is noticed within the endpoint cache's 30 seconds.
 */
export class Dispatcher {
  private readonly endpoints = new Map<string, { at: number; endpoint?: EndpointRecord; signer?: Webhook }>();

  constructor(private readonly deps: DispatchDeps) {}

  async dispatch(m: DeliveryMessage): Promise<DispatchResult> {
    const now = this.deps.now();
    const wait = Date.parse(m.notBefore) - now.getTime();
    if (wait > 1000) {
      await this.deps.queue.send([m], Math.min(wait, MAX_QUEUE_DELAY_MS));
      return 'deferred';
    }
    const { endpoint, signer } = await this.endpoint(m.endpointId);
    if (!endpoint || !signer) return 'gone';
    const delivery = await this.content(m);
    if (!delivery) return 'stale';
    const outcome = await this.deps.sender.post({
      url: endpoint.url,
      headers: {
        'content-type': 'application/json',
        'webhook-id': delivery.eventId,
        ...this.signature(signer, delivery.eventId, delivery.payload),
      },
      body: delivery.payload,
    });
    return this.record(m, m.scheduleStart, outcome);
  }

  /** What to send: from the message, or (a message without it) from a delivery still due for this attempt. */
  private async content(m: DeliveryMessage): Promise<{ eventId: string; payload: string } | undefined> {
    if (m.eventId && m.payload) return { eventId: m.eventId, payload: m.payload };
    const d = await this.deps.store.getDelivery(m.endpointId, m.deliveryId);
    return d && d.status === 'pending' && d.attempts === m.attempts ? d : undefined;
  }

  private signature(signer: Webhook, id: string, payload: string): Record<string, string> {
    const at = this.deps.wallClock();
    return {
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signer.sign(id, at, payload),
    };
  }

  private async record(m: DeliveryMessage, scheduleStart: number, outcome: SendOutcome): Promise<DispatchResult> {
    const at = this.deps.now();
    const ok = succeeded(outcome);
    const next = ok ? undefined : nextAttemptAt(m.attempts + 1 - scheduleStart, at, this.deps.retryScale());
    const status = ok ? 'succeeded' : next ? 'pending' : 'failed';
    const won = await this.deps.store.recordAttempt({
      endpointId: m.endpointId,
      deliveryId: m.deliveryId,
      expectedAttempts: m.attempts,
      status,
      at: at.toISOString(),
      ...('statusCode' in outcome ? { statusCode: outcome.statusCode } : { error: outcome.error }),
      ...(next ? { nextAttemptAt: next.toISOString() } : {}),
    });
    if (!won) return 'stale';
    if (status === 'succeeded') return 'delivered';
    if (!next) return 'failed';
    const delay = Math.min(Math.max(0, next.getTime() - at.getTime()), MAX_QUEUE_DELAY_MS);
    await this.deps.queue.send(
      [{ ...m, attempts: m.attempts + 1, scheduleStart, notBefore: next.toISOString() }],
      delay,
    );
    return 'retry-scheduled';
  }

  private async endpoint(id: string): Promise<{ endpoint?: EndpointRecord; signer?: Webhook }> {
    const cached = this.endpoints.get(id);
    const ttl = this.deps.endpointCacheMs ?? 30_000;
    if (cached && Date.now() - cached.at < ttl) return cached;
    const endpoint = await this.deps.store.getEndpoint(id);
    const entry = {
      at: Date.now(),
      endpoint,
      signer: endpoint ? new Webhook(this.deps.secrets.open(endpoint.sealedSecret)) : undefined,
    };
    this.endpoints.set(id, entry);
    return entry;
  }
}
