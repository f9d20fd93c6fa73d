import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableName } from '../../schemas/tables';
import type { Clock } from './domain/clock';
import { cursorSeal, type CursorSeal } from './domain/cursor';
import type { SignedKind, Signer } from './domain/signing';
import { createDocClient, type DocClient } from './adapters/dynamo';
import { IdempotencyTable } from './adapters/idempotencyTable';
import { RateLimitTable } from './adapters/rateLimit';
import { createSigner } from './adapters/signer';
import { systemClock } from './adapters/systemClock';
import { config } from './config';

/**
 * The shared kernel's wiring: what every context's wiring module builds from the same configuration.
 * One instance of each per process (a Lambda container, or the whole local stack).
 */
let client: { client: DynamoDBDocumentClient; key: string } | undefined;

function theDocumentClient(): DynamoDBDocumentClient {
  const { dynamoEndpoint: endpoint, awsRegion: region } = config();
  const key = `${endpoint}|${region}`;
  if (client?.key !== key) client = { key, client: createDocClient({ endpoint, region }) };
  return client.client;
}

/**
 * The DynamoDB document client adapters are built with. The SDK client itself is constructed at the
 * first `send`, not when wiring runs at import: a cold start pays only for what a request uses (a
 * function's first request constructs it, as before this module existed; ADR 0009).
 */
export const documentClient = (): DocClient => lazyClient;
const lazyClient: DocClient = {
  send: ((command: Parameters<DocClient['send']>[0], options?: unknown) =>
    theDocumentClient().send(command, options as never)) as DocClient['send'],
};

export const tableName = (name: TableName): string => config().tables[name];

let clock: Clock | undefined;
let clockKey: string | undefined;

/** The system clock; rebuilt when the configuration that shapes it changes (the local stack's CLOCK). */
export function theClock(): Clock {
  const { clockStart, businessTimeZone } = config();
  const key = `${clockStart}|${businessTimeZone}`;
  if (!clock || clockKey !== key) {
    clock = systemClock({ startAt: clockStart, timeZone: businessTimeZone });
    clockKey = key;
  }
  return clock;
}

const signers = new Map<SignedKind, { signer: Signer; key: string }>();

/** The signer of receipts or of day proofs: each its own KMS key when deployed, its own key file locally. */
export function theSigner(kind: SignedKind): Signer {
  const { signingKmsKeyId, dayProofKmsKeyId, localKeyDir } = config();
  const kmsKeyId = kind === 'receipt' ? signingKmsKeyId : dayProofKmsKeyId;
  const key = `${kmsKeyId}|${localKeyDir}`;
  let s = signers.get(kind);
  if (s?.key !== key) {
    s = { key, signer: createSigner({ kind, kmsKeyId, localKeyDir }) };
    signers.set(kind, s);
  }
  return s.signer;
}

let seal: { seal: CursorSeal; key: string } | undefined;

function currentSeal(): CursorSeal {
  const { cursorSecret } = config();
  if (seal?.key !== cursorSecret) seal = { key: cursorSecret, seal: cursorSeal(cursorSecret) };
  return seal.seal;
}

/** Seals and opens list cursors with the configured key (CURSOR_SECRET), looked up per use. */
export const cursorSealing: CursorSeal = {
  seal: (cursor, scope) => currentSeal().seal(cursor, scope),
  open: (sealed, scope) => currentSeal().open(sealed, scope),
};

export const idempotencyTable = () => new IdempotencyTable(documentClient(), tableName('Idempotency'));
export const rateLimitTable = () => new RateLimitTable(documentClient(), tableName('RateLimits'));
