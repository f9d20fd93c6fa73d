import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/**
 * A department's system, for tests and the benchmark: a real HTTP server that verifies every
 * request's signature with the `standardwebhooks` library (as a department would), records what it
 * received, and answers 500 to the first `failFirst` attempts of each webhook-id.
 */
export interface Received {
  webhookId: string;
  verified: boolean;
  body: any;
  raw: string;
  at: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Set once the endpoint is registered (the secret is shown then). */
  secret?: string;
  failFirst: number;
  /** Resolves when `predicate` holds for what was received. */
  until(predicate: (r: Received[]) => boolean, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(opts: { failFirst?: number; verify?: boolean } = {}): Promise<Receiver> {
  const attempts = new Map<string, number>();
  const waiters = new Set<() => void>();
  const receiver: Receiver = {
    url: '',
    received: [],
    failFirst: opts.failFirst ?? 0,
    until: (predicate, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(receiver.received)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(receiver.received);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver: condition not met in ${timeoutMs} ms (${receiver.received.length} received)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const webhookId = String(req.headers['webhook-id'] ?? '');
      let verified = false;
      if (opts.verify !== false && receiver.secret)
        try {
          new Webhook(receiver.secret).verify(raw, req.headers as Record<string, string>);
          verified = true;
        } catch {
          verified = false;
        }
      const n = (attempts.get(webhookId) ?? 0) + 1;
      attempts.set(webhookId, n);
      receiver.received.push({ webhookId, verified, body: raw ? JSON.parse(raw) : undefined, raw, at: Date.now() });
      res.statusCode = !verified && opts.verify !== false ? 401 : n <= receiver.failFirst ? 500 : 204;
      res.end();
      for (const w of [...waiters]) w();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}
