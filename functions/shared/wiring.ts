import type { TableName } from '../../schemas/tables';
import type { Clock } from './domain/clock';
import { cursorSeal, type CursorSeal } from './domain/cursor';
import { JWS_TYPE, KEY_CERT_TYPE, type SignedKind, type Signer } from './domain/signing';
import { configureAuditTrail } from './adapters/auditTrail';
import { auditEventWriter, auditingClient } from './adapters/auditedWrite';
import { CertifiedKeySigner } from './adapters/certifiedSigner';
import { createDocClient, type DocClient } from './adapters/dynamo';
import { IdempotencyTable } from './adapters/idempotencyTable';
import { RateLimitTable } from './adapters/rateLimit';
import { createSigner } from './adapters/signer';
import { systemClock } from './adapters/systemClock';
import { config, perConfiguration } from './config';

/**
 * The shared kernel's wiring: what every context's wiring module builds from the same configuration.
 * One instance of each per process (a Lambda container, or the whole local stack).
 */
const theDocumentClient = perConfiguration((c) => createDocClient({ endpoint: c.dynamoEndpoint, region: c.awsRegion }));

/**
 * The DynamoDB document client adapters are built with. The SDK client itself is constructed at the
 * first `send`, not when wiring runs at import: a cold start pays only for what a request uses (a
 * function's first request constructs it, as before this module existed; ADR 0009).
 */
export const documentClient = (): DocClient => auditedClient;
const lazyClient: DocClient = {
  send: ((command: Parameters<DocClient['send']>[0], options?: unknown) =>
    theDocumentClient().send(command, options as never)) as DocClient['send'],
};
/**
 * Every adapter's client: a state-changing request's first change carries its audit event in the same
 * transaction (ADR 0017). Configured here, so every function whose wiring uses the kernel's is covered.
 */
const auditedClient = auditingClient(lazyClient);
configureAuditTrail({
  putAlone: auditEventWriter(lazyClient, () => tableName('Audit')),
  table: () => tableName('Audit'),
  bookkeeping: () => [tableName('Idempotency'), tableName('RateLimits'), tableName('Audit')],
  clock: () => theClock(),
});

/**
 * The SDK client behind `documentClient()`, for instrumentation only: `npm run bench:capacity` adds
 * a middleware to it that counts every request the functions send (bench/support/capacityMeter.ts).
 */
export const theSdkClient = () => theDocumentClient();

export const tableName = (name: TableName): string => config().tables[name];

/** The system clock (the local stack's CLOCK and BUSINESS_TZ shape it). */
export const theClock: () => Clock = perConfiguration((c) =>
  systemClock({ startAt: c.clockStart, timeZone: c.businessTimeZone }),
);

const signers: Record<SignedKind, () => Signer> = {
  // Deployed, the KMS key certifies a short-lived key each hour and that key signs the receipts: no KMS
  // call per receipt (docs/adr/0013). Locally the key file signs them directly.
  receipt: perConfiguration((c) =>
    c.signingKmsKeyId
      ? new CertifiedKeySigner(
          createSigner({
            kind: 'receipt',
            kmsKeyId: c.signingKmsKeyId,
            localKeyDir: c.localKeyDir,
            typ: KEY_CERT_TYPE,
          }),
          JWS_TYPE.receipt,
        )
      : createSigner({ kind: 'receipt', localKeyDir: c.localKeyDir }),
  ),
  dayProof: perConfiguration((c) =>
    createSigner({ kind: 'dayProof', kmsKeyId: c.dayProofKmsKeyId, localKeyDir: c.localKeyDir }),
  ),
};

/** The signer of receipts or of day proofs: each its own KMS key when deployed, its own key file locally. */
export const theSigner = (kind: SignedKind): Signer => signers[kind]();

const currentSeal = perConfiguration((c) => cursorSeal(c.cursorSecret));

/** Seals and opens list cursors with the configured key (CURSOR_SECRET), looked up per use. */
export const cursorSealing: CursorSeal = {
  seal: (cursor, scope) => currentSeal().seal(cursor, scope),
  open: (sealed, scope) => currentSeal().open(sealed, scope),
};

export const idempotencyTable = () => new IdempotencyTable(documentClient(), tableName('Idempotency'));
export const rateLimitTable = () => new RateLimitTable(documentClient(), tableName('RateLimits'));
