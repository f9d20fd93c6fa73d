import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CONDITION_FAILED, cancellationCodes, type DocClient, type TransactItem } from '../../shared/adapters/dynamo';

export type AttemptUpdate = NonNullable<TransactItem['Update']>;

/**
 * Coalesces the dispatcher's attempt records: the attempts of one SQS batch finish within
 * milliseconds of each other, and each is one conditional update of its own delivery; written as
 * one TransactWriteItems (up to MAX_ITEMS) they cost one round trip instead of ten. A transaction
 * is all or nothing, so one stale attempt (its condition failed) cancels it: the cancellation says
 * which, that one is reported stale and the others are written one by one. Transactional writes
 * cost twice the write capacity of plain ones; at a city's payment rate that is cents (ADR 0016).
 */
const MAX_ITEMS = 25;
const WINDOW_MS = 5;

interface Pending {
  key: string;
  update: AttemptUpdate;
  resolve: (won: boolean) => void;
  reject: (e: unknown) => void;
}

export class AttemptWrites {
  private pending: Pending[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly client: DocClient) {}

  /** Resolves true when written, false when its condition failed. */
  write(key: string, update: AttemptUpdate): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.pending.push({ key, update, resolve, reject });
      if (this.pending.length >= MAX_ITEMS) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), WINDOW_MS);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    // One entry per item in a transaction: a second attempt of the same delivery waits for the next.
    const keys = new Set<string>();
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    for (const p of this.pending)
      if (batch.length < MAX_ITEMS && !keys.has(p.key)) {
        keys.add(p.key);
        batch.push(p);
      } else rest.push(p);
    this.pending = rest;
    if (rest.length) this.timer = setTimeout(() => this.flush(), 0);
    void this.send(batch);
  }

  private async send(batch: Pending[]): Promise<void> {
    if (batch.length === 1) return this.single(batch[0]!);
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: batch.map((p) => ({ Update: p.update })) }));
      for (const p of batch) p.resolve(true);
    } catch (e) {
      const codes = cancellationCodes(e);
      await Promise.all(batch.map((p, i) => (codes?.[i] === CONDITION_FAILED ? p.resolve(false) : this.single(p))));
    }
  }

  private async single(p: Pending): Promise<void> {
    try {
      await this.client.send(new UpdateCommand(p.update));
      p.resolve(true);
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) p.resolve(false);
      else p.reject(e);
    }
  }
}
