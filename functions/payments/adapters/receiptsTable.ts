import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Receipt } from '../../../schemas/payments';
import { stripKeys, type DocClient, type TransactItem } from '../../shared/adapters/dynamo';

/**
 * The Receipts table: one item per receipt, small enough to be one write unit (issue 10).
 *
 * - receipt `RCPT#<receiptNo>` / `RCPT`: `status`, and the JWS in parts: `h`, its protected header's
 *   JSON text with the `cert` value left empty (`""`), `p`, its payload's JSON text, and `s`, its
 *   signature (base64url); `cert`, the certificate's kid, when the header carried one. The JWS is
 *   rebuilt byte for byte from these (base64url of the texts as signed), and the receipt's fields are
 *   the payload's, in its order: nothing signed is stored twice. Refund receipts add `reason`.
 * - key certificate `CERT#<kid>` / `CERT`: `cert`, the KMS-signed certificate of a short-lived
 *   signing key (ADR 0013). It is ≈ 500 bytes and the same in every receipt the key signs (one hour's
 *   worth per container), so it is stored once, in the transaction of the first receipt of this
 *   process that carries it: a receipt never exists without its certificate.
 *
 * Bank references were kept here in issue 10's second round; they are in the Idempotency table now
 * (./bankRefs.ts).
 *
 * Items written before issue 10 hold the JWS whole (`jws`) and the fields; they read as before.
 */
export const receiptKeys = {
  receipt: (receiptNo: string) => ({ pk: `RCPT#${receiptNo}`, sk: 'RCPT' }),
  certificate: (kid: string) => ({ pk: `CERT#${kid}`, sk: 'CERT' }),
};

const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const text = (segment: string) => Buffer.from(segment, 'base64url').toString('utf8');

/** The JWS in stored parts, and the certificate its header carried (if any). */
interface JwsParts {
  h: string;
  p: string;
  s: string;
  cert?: { kid: string; jws: string };
}

/** The JWS in parts, or undefined when it is not a compact JWS of JSON texts that rebuilds exactly. */
function partsOf(jws: string | undefined): JwsParts | undefined {
  if (typeof jws !== 'string') return undefined;
  const [header, payload, s, ...rest] = jws.split('.');
  if (header === undefined || payload === undefined || s === undefined || rest.length) return undefined;
  const h = text(header);
  const p = text(payload);
  let fields: { kid?: unknown; cert?: unknown };
  try {
    fields = JSON.parse(h) as typeof fields;
    JSON.parse(p);
  } catch {
    return undefined;
  }
  const exact = (parts: JwsParts, certJws = '') => rebuild(parts, certJws) === jws;
  const { kid, cert } = fields;
  if (typeof cert === 'string' && typeof kid === 'string') {
    const parts = { h: h.replace(JSON.stringify(cert), '""'), p, s, cert: { kid, jws: cert } };
    if (exact(parts, cert)) return parts;
  }
  const parts = { h, p, s };
  return exact(parts) ? parts : undefined;
}

function rebuild(parts: Pick<JwsParts, 'h' | 'p' | 's'>, cert = ''): string {
  const header = cert ? parts.h.replace('"cert":""', `"cert":${JSON.stringify(cert)}`) : parts.h;
  return `${b64url(header)}.${b64url(parts.p)}.${parts.s}`;
}

/** Certificates this process has stored, by `<table>#<kid>` (each is written once, with a receipt). */
const storedCertificates = new Set<string>();
/** Certificates read, by `<table>#<kid>`: immutable, so kept for the life of the process. */
const readCertificates = new Map<string, string>();

export class ReceiptsTable {
  constructor(
    private readonly client: DocClient,
    readonly table: string,
  ) {}

  /**
   * The transaction entries that store a new receipt: its put (if new), and its certificate's put
   * when this process has not stored that certificate yet. Call `stored` once the transaction commits.
   */
  putItems(receipt: Receipt, extra: Record<string, unknown> = {}): TransactItem[] {
    const split = partsOf(receipt.jws);
    const { cert, ...parts } = split ?? {};
    // A JWS that does not split exactly (none the signers make) is stored whole, with the fields, as before.
    const stored = split ? { status: receipt.status, ...parts, ...(cert ? { cert: cert.kid } : {}) } : receipt;
    const put: TransactItem = {
      Put: {
        TableName: this.table,
        Item: { ...receiptKeys.receipt(receipt.receiptNo), ...stored, ...extra },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    if (!cert || storedCertificates.has(`${this.table}#${cert.kid}`)) return [put];
    // Unconditional: concurrent first receipts of a key put the same content.
    const certificate = {
      Put: { TableName: this.table, Item: { ...receiptKeys.certificate(cert.kid), cert: cert.jws } },
    };
    return [put, certificate];
  }

  /** After the transaction holding `putItems(receipt)` committed: its certificate is stored. */
  stored(receipt: Receipt): void {
    const cert = partsOf(receipt.jws)?.cert;
    if (cert) storedCertificates.add(`${this.table}#${cert.kid}`);
  }

  /** The entry that sets a stored receipt's status (a refund's change to its original). */
  statusItem(receiptNo: string, status: Receipt['status']): TransactItem {
    return {
      Update: {
        TableName: this.table,
        Key: receiptKeys.receipt(receiptNo),
        UpdateExpression: 'SET #s = :s',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': status },
      },
    };
  }

  async get(receiptNo: string): Promise<Receipt | undefined> {
    const r = await this.client.send(
      new GetCommand({ TableName: this.table, Key: receiptKeys.receipt(receiptNo), ConsistentRead: true }),
    );
    const item = r.Item;
    if (!item) return undefined;
    // Stored whole (before issue 10, or a JWS that does not split): the item's fields, as before.
    if (typeof item.jws === 'string') return stripKeys<Receipt>(item, 'reason');
    const jws = rebuild(item as JwsParts, typeof item.cert === 'string' ? await this.certificate(item.cert) : '');
    // The fields are the JWS payload's, in its order.
    return { ...(JSON.parse(item.p as string) as object), status: item.status, jws } as Receipt;
  }

  private async certificate(kid: string): Promise<string> {
    const key = `${this.table}#${kid}`;
    let cert = readCertificates.get(key);
    if (!cert) {
      const r = await this.client.send(
        new GetCommand({ TableName: this.table, Key: receiptKeys.certificate(kid), ConsistentRead: true }),
      );
      cert = r.Item?.cert as string | undefined;
      if (!cert) throw new Error(`receipt key certificate ${kid} is not stored`);
      readCertificates.set(key, cert);
    }
    return cert;
  }
}
