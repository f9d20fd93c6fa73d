import type { DeliveryMessage, DeliveryQueue } from '../ports';

/**
 * Locally: the delivery queue in the local stack's process, which hosts every function. Messages wait
 * out their delay, then the consumer the local stack attached (infra/local/webhookQueue.ts) receives
 * them in batches as SQS event source mappings do, and a message whose handling fails comes back
 * after a visibility timeout. Like SQS, at least once; unlike SQS, a restart of `npm start` loses the
 * messages in memory (the delivery log keeps them pending; a manual retry sends one again).
 */
export interface LocalQueueConsumer {
  deliver(messages: DeliveryMessage[]): Promise<void>;
}

export class LocalDeliveryQueue implements DeliveryQueue {
  private readonly ready: DeliveryMessage[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private consumer?: LocalQueueConsumer;
  private inFlight = 0;
  private stopped = false;
  private idle: (() => void)[] = [];
  readonly stats = { sent: 0, received: 0, redriven: 0 };

  constructor(
    private readonly opts: { batchSize: number; concurrency: number; visibilityMs: number } = {
      batchSize: 10,
      concurrency: 8,
      visibilityMs: 2000,
    },
  ) {}

  async send(messages: DeliveryMessage[], delayMs: number): Promise<void> {
    this.stats.sent += messages.length;
    this.later(messages, delayMs);
  }

  private later(messages: DeliveryMessage[], delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) {
      this.ready.push(...messages);
      this.pump();
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.ready.push(...messages);
      this.pump();
    }, delayMs);
    t.unref();
    this.timers.add(t);
  }

  attach(consumer: LocalQueueConsumer): void {
    this.stopped = false;
    this.consumer = consumer;
    this.pump();
  }

  private pump(): void {
    const consumer = this.consumer;
    if (!consumer) return;
    while (this.ready.length > 0 && this.inFlight < this.opts.concurrency) {
      const batch = this.ready.splice(0, this.opts.batchSize);
      this.inFlight++;
      this.stats.received += batch.length;
      consumer
        .deliver(batch)
        .catch(() => {
          // Like an SQS visibility timeout: the batch comes back later (the consumer reports partial failures itself).
          this.stats.redriven += batch.length;
          this.later(batch, this.opts.visibilityMs);
        })
        .finally(() => {
          this.inFlight--;
          this.pump();
          if (this.inFlight === 0 && this.ready.length === 0) for (const r of this.idle.splice(0)) r();
        });
    }
  }

  /** Resolves when nothing is ready or in flight (delayed messages may still wait). */
  settled(): Promise<void> {
    if (this.inFlight === 0 && this.ready.length === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  /** Messages waiting out a delay. */
  get delayed(): number {
    return this.timers.size;
  }

  stop(): void {
    this.stopped = true;
    this.consumer = undefined;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.ready.length = 0;
  }
}

/** The one local queue of this process (the local stack hosts every function in one process). */
export const theLocalQueue = new LocalDeliveryQueue();
