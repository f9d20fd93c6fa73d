import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { DeliveryMessage, DeliveryQueue } from '../ports';

/**
 * Deployed: the delivery queue is SQS (with a dead-letter queue; infra/constructs/webhooks.ts).
 * SendMessageBatch over SQS's JSON protocol, signed with Signature V4 by the SDK's own signer and
 * default credential chain (the project has no @aws-sdk/client-sqs yet; this is the same request
 * that client sends, and swapping it in changes this file only). Loaded at the first send.
 */
const bytes = (d: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof d === 'string'
    ? d
    : d instanceof ArrayBuffer
      ? new Uint8Array(d)
      : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

class Sha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

type Signer = { sign(request: unknown): Promise<{ headers: Record<string, string> }> };

export class SqsDeliveryQueue implements DeliveryQueue {
  private signer?: Promise<Signer>;
  constructor(
    private readonly queueUrl: string,
    private readonly region: string,
    /** Another address than the regional one (AWS_ENDPOINT_URL_SQS). */
    private readonly endpoint?: string,
  ) {}

  private load(): Promise<Signer> {
    this.signer ??= Promise.all([import('@smithy/signature-v4'), import('@aws-sdk/credential-provider-node')]).then(
      ([{ SignatureV4 }, { defaultProvider }]) =>
        new SignatureV4({
          service: 'sqs',
          region: this.region,
          credentials: defaultProvider(),
          sha256: Sha256,
        }) as unknown as Signer,
    );
    return this.signer;
  }

  async send(messages: DeliveryMessage[], delayMs: number): Promise<void> {
    if (messages.length === 0) return;
    const DelaySeconds = Math.min(900, Math.max(0, Math.ceil(delayMs / 1000)));
    const body = JSON.stringify({
      QueueUrl: this.queueUrl,
      Entries: messages.map((m, i) => ({ Id: String(i), MessageBody: JSON.stringify(m), DelaySeconds })),
    });
    const target = new URL(this.endpoint ?? `https://sqs.${this.region}.amazonaws.com/`);
    const signed = await (await this.load()).sign({
      method: 'POST',
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port ? Number(target.port) : undefined,
      path: '/',
      headers: {
        host: target.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.SendMessageBatch',
      },
      body,
    });
    const res = await fetch(new URL('/', target), { method: 'POST', headers: signed.headers, body });
    const answer = (await res.json().catch(() => ({}))) as { Failed?: unknown[] };
    // A refused entry must not be dropped silently: throwing retries the caller's batch or message.
    if (!res.ok || (answer.Failed?.length ?? 0) > 0)
      throw new Error(`SQS SendMessageBatch failed (${res.status}, ${answer.Failed?.length ?? 0} entries)`);
  }
}
