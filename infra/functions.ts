import { PEAK_PAYMENTS_PER_SECOND } from './capacity';
import { HTTP_FUNCTIONS, type HttpFunctionName } from '../schemas/routes';
import type { TableName } from '../schemas/tables';
import type { SignedKind } from '../functions/shared/domain/signing';

/**
 * Every Lambda function: its entry, and exactly what it may do to each table. The stack turns
 * `tables` into IAM statements and `TABLE_<NAME>` env vars; the local stack loads the same entries
 * in-process. docs/adr/0011-least-privilege.md quotes the grants below as a table, and the template
 * test checks the ADR, this data and the synthesized policies against each other.
 *
 * The actions are the IAM actions each adapter's calls need (functions/<ctx>/adapters): a
 * TransactWriteItems needs PutItem / UpdateItem / DeleteItem / ConditionCheckItem per entry kind, a
 * BatchWriteItem needs BatchWriteItem, a Query of an index needs Query on `table/index/<name>`.
 */
export const DYNAMODB_ACTIONS = [
  'GetItem',
  'BatchGetItem',
  'Query',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'ConditionCheckItem',
] as const;
export type DynamoAction = (typeof DYNAMODB_ACTIONS)[number];

export interface TableGrant {
  /** Actions on the table's items (the table's ARN). */
  actions: readonly DynamoAction[];
  /** Indexes the function queries (dynamodb:Query on `<table ARN>/index/<name>`, nothing else there). */
  indexes?: readonly string[];
}

/** The signing key's uses: `sign` (kms:Sign, and kms:GetPublicKey for the JWS `kid`), `verify` (kms:GetPublicKey). */

export interface FunctionDef {
  entry: string;
  tables: Partial<Record<TableName, TableGrant>>;
  /**
   * The signing keys it uses, one per kind of signed document (KMS when deployed): `sign` may sign
   * and read the public key; `verify` may only read the public key (to verify, and to publish it).
   */
  keys?: Partial<Record<SignedKind, 'sign' | 'verify'>>;
  /** Pages lists with sealed cursors (functions/shared/domain/cursor.ts): every such function shares one secret. */
  sealsCursors?: true;
  memoryMb?: number;
  timeoutSeconds?: number;
  /** Concurrency reserved for (and capping) this function; see PAYMENTS_RESERVED_CONCURRENCY. */
  reservedConcurrency?: number;
  /** Talks to the payment provider with the merchant keys from Secrets Manager (docs/adr/0015). */
  paymentProvider?: true;
}

export const BACKGROUND_FUNCTIONS = [
  'authorizer',
  'aggregator',
  'publisher',
  'statementImport',
  'webhookSource',
  'webhookDispatcher',
  'auditSeal',
  'orderSweep',
] as const;
export type FunctionName = HttpFunctionName | (typeof BACKGROUND_FUNCTIONS)[number];

/**
 * Payments is reserved the concurrency to run every payment the method admits (PAYMENT_THROTTLE in
 * infra/stack.ts, 10,000/s, sized from the capacity model: docs/benchmarks.md "Capacity") at 60 ms
 * each (Little's law: 10,000 × 0.06 s = 600): two DynamoDB round trips and no KMS call per payment
 * (ADR 0013, 0014). Reserved concurrency is taken out of the account's shared pool, so open data or
 * any other function scaling up cannot leave payments without executions; it is also payments'
 * ceiling. The account's default concurrency quota (1,000, of which AWS keeps 100 unreserved) holds it.
 */
export const PAYMENTS_RESERVED_CONCURRENCY = Math.ceil(PEAK_PAYMENTS_PER_SECOND * 0.06);

/**
 * What the orders function and the sweep do: their own table, holds on notices, and the payments use
 * case's one transaction (the same grants as a counter payment's, through the payments context).
 */
const ORDER_TABLES: FunctionDef['tables'] = {
  // The order, its status moves, and the sweep's index of open orders and finance's list by date.
  Orders: { actions: ['GetItem', 'PutItem', 'UpdateItem'], indexes: ['gsi1', 'gsi2'] },
  // Holds (UpdateItem in the order's transaction, and release), and the payment's mark-paid entry.
  Notices: { actions: ['BatchGetItem', 'UpdateItem'] },
  // The payment's puts, and reads of it and its receipt for the order's holder.
  Payments: { actions: ['GetItem', 'PutItem'] },
  Receipts: { actions: ['GetItem', 'PutItem'] },
  Ledger: { actions: ['PutItem', 'ConditionCheckItem'] },
  // BatchGetItem: the payment's one read of its notices and its idempotency record (ADR 0014).
  Idempotency: { actions: ['BatchGetItem', 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'] },
  RateLimits: { actions: ['UpdateItem'] },
};

const declared: Record<FunctionName, FunctionDef> = {
  authorizer: { entry: 'functions/authorizer/entry/http.ts', tables: {} },
  platform: { entry: 'functions/platform/entry/http.ts', tables: {} },
  catalog: {
    entry: 'functions/catalog/entry/http.ts',
    sealsCursors: true,
    tables: { Catalog: { actions: ['GetItem', 'Query', 'PutItem'], indexes: ['gsi1'] } },
  },
  notices: {
    entry: 'functions/notices/entry/http.ts',
    sealsCursors: true,
    tables: {
      // Fee item versions, by code (the base table's partition).
      Catalog: { actions: ['Query'] },
      // BatchGetItem: a list reads its page's notices (the indexes hold keys only; ADR 0014).
      Notices: { actions: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'], indexes: ['gsi1', 'gsi2'] },
      RateLimits: { actions: ['UpdateItem'] },
      // A cancellation puts its webhook outbox item in the same transaction (ADR 0016).
      Webhooks: { actions: ['PutItem'] },
    },
  },
  payments: {
    entry: 'functions/payments/entry/http.ts',
    sealsCursors: true,
    tables: {
      // BatchGet of the notices paid, and the transaction entry that flips each to paid.
      Notices: { actions: ['BatchGetItem', 'UpdateItem'] },
      // UpdateItem: a refund raises the payment's refunded total, conditionally, in its transaction.
      // Query: a day's payments by their day-sharded key (the list, a window's day); no index since issue 10.
      Payments: { actions: ['GetItem', 'PutItem', 'UpdateItem', 'Query'] },
      // UpdateItem: a refund sets the original receipt's status (and nothing else; ADR 0011).
      Receipts: { actions: ['GetItem', 'PutItem', 'UpdateItem'] },
      // Append-only: the posting's put, its day-open check, and the day registry's put.
      Ledger: { actions: ['PutItem', 'ConditionCheckItem'] },
      // Claim (put), replay (get), release (delete), completion (update in the payment's transaction).
      Idempotency: { actions: ['BatchGetItem', 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'] },
      RateLimits: { actions: ['UpdateItem'] },
    },
    keys: { receipt: 'sign' },
    reservedConcurrency: PAYMENTS_RESERVED_CONCURRENCY,
    // Refunds of online payments go back through the provider.
    paymentProvider: true,
  },
  orders: {
    entry: 'functions/orders/entry/http.ts',
    sealsCursors: true,
    tables: ORDER_TABLES,
    keys: { receipt: 'sign' },
    paymentProvider: true,
  },
  // The sweep of open orders: the same use cases as the notification route.
  orderSweep: {
    entry: 'functions/orders/entry/schedule.ts',
    tables: ORDER_TABLES,
    keys: { receipt: 'sign' },
    paymentProvider: true,
    timeoutSeconds: 120,
  },
  ledger: {
    entry: 'functions/ledger/entry/http.ts',
    sealsCursors: true,
    tables: { Ledger: { actions: ['GetItem', 'Query'] } },
    // Verifies day proofs against the public key; never signs.
    keys: { dayProof: 'verify' },
  },
  finance: {
    entry: 'functions/finance/entry/http.ts',
    tables: {
      // The day's payments by their day-sharded key, its refunds by the day index: reads of a day only.
      Payments: { actions: ['Query'], indexes: ['gsi1'] },
      // Append-only: postings, day guards, the day registry and day proofs are puts.
      Ledger: { actions: ['GetItem', 'Query', 'PutItem', 'ConditionCheckItem'] },
      Finance: {
        actions: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'BatchWriteItem', 'ConditionCheckItem'],
      },
      // Departments, for budget allocations.
      Catalog: { actions: ['GetItem'] },
      // Accept's Idempotency-Key: claim, release, complete (ADR 0004).
      Idempotency: { actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'] },
    },
    keys: { dayProof: 'sign' },
    // API Gateway cuts integrations at 29 s; longer work (large statements) runs in statementImport.
    timeoutSeconds: 29,
    memoryMb: 1024,
  },
  // Imports bank statements too large for the API payload limit: S3 upload → same import code.
  statementImport: {
    entry: 'functions/finance/entry/s3.ts',
    tables: { Finance: { actions: ['GetItem', 'PutItem', 'BatchWriteItem'] } },
    timeoutSeconds: 900,
    memoryMb: 1024,
  },
  opendata: {
    entry: 'functions/opendata/entry/http.ts',
    sealsCursors: true,
    tables: {
      // Keys, releases and rows; publication jobs are put here and marked failed (UpdateItem) when the
      // publisher cannot be started.
      OpenData: { actions: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'BatchWriteItem'] },
      // Per-key request windows and sign-ups per caller are counters: ADD in an UpdateItem (ADR 0011).
      RateLimits: { actions: ['UpdateItem'] },
    },
  },
  // Reads and proves the audit trail; its only own write is a day's signed root (a put, once).
  audit: {
    entry: 'functions/audit/entry/http.ts',
    sealsCursors: true,
    tables: { Audit: { actions: ['GetItem', 'Query', 'PutItem'] } },
    keys: { dayProof: 'sign' },
  },
  // Seals ended audit days on its schedule: reads the day's events, puts its signed root once.
  auditSeal: {
    entry: 'functions/audit/entry/schedule.ts',
    tables: { Audit: { actions: ['GetItem', 'Query', 'PutItem'] } },
    keys: { dayProof: 'sign' },
    timeoutSeconds: 300,
    memoryMb: 1024,
  },
  // Consumes the Payments stream (no personal data); no grant on the Payments table itself.
  aggregator: {
    entry: 'functions/opendata/entry/stream.ts',
    tables: { OpenData: { actions: ['GetItem', 'PutItem', 'UpdateItem'] } },
  },
  webhooks: {
    entry: 'functions/webhooks/entry/http.ts',
    sealsCursors: true,
    tables: {
      // Endpoints (put, get, delete, a department's by gsi1), the delivery log (query), and a manual
      // retry's conditional update of a delivery.
      Webhooks: { actions: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'], indexes: ['gsi1'] },
    },
  },
  // Payments stream and the Webhooks outbox stream → deliveries (stream read only on Payments, plus
  // the payment a refund belongs to, read by key: no personal data there).
  webhookSource: {
    entry: 'functions/webhooks/entry/stream.ts',
    tables: {
      Payments: { actions: ['GetItem'] },
      // The department's endpoints (gsi1) and the conditional put of each delivery, read back if it exists.
      Webhooks: { actions: ['GetItem', 'PutItem'], indexes: ['gsi1'] },
    },
  },
  // The delivery queue's consumer: one signed POST per message, the attempt recorded conditionally.
  webhookDispatcher: {
    entry: 'functions/webhooks/entry/queue.ts',
    tables: { Webhooks: { actions: ['GetItem', 'UpdateItem'] } },
    timeoutSeconds: 30,
  },
  publisher: {
    entry: 'functions/opendata/entry/schedule.ts',
    tables: {
      // Releases and rows; a publication job is read and moved along (running, succeeded, failed).
      OpenData: { actions: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'BatchWriteItem'] },
      Catalog: { actions: [], indexes: ['gsi1'] },
    },
    timeoutSeconds: 300,
    memoryMb: 1024,
  },
};

/**
 * The audit trail is append-only in IAM (ADR 0017): every function that serves HTTP may put events
 * (each put is conditional on the event being new; the kernel's document client adds it to the
 * request's first change) and no function may update or delete an item of the Audit table. Derived
 * from HTTP_FUNCTIONS, so a new context's function gets exactly this grant and no other.
 */
export const AUDIT_EVENT_GRANT: TableGrant = { actions: ['PutItem'] };

function withAuditTrail(defs: Record<FunctionName, FunctionDef>): Record<FunctionName, FunctionDef> {
  const out = { ...defs };
  for (const name of HTTP_FUNCTIONS) {
    const own = defs[name].tables.Audit;
    const actions = [...new Set([...(own?.actions ?? []), ...AUDIT_EVENT_GRANT.actions])];
    out[name] = { ...defs[name], tables: { ...defs[name].tables, Audit: { ...own, actions } } };
  }
  return out;
}

export const functions: Record<FunctionName, FunctionDef> = withAuditTrail(declared);
/** The sweep of open payment orders; the stack's EventBridge rule and the local scheduler both read it. */
export const ORDER_SWEEP_SCHEDULE = {
  expression: 'rate(1 minute)',
  everyMs: 60 * 1000,
  description: 'every minute',
};

/** The publisher's schedule; the stack's EventBridge rule and the local scheduler both read it. */
export const PUBLISH_SCHEDULE = {
  expression: 'cron(30 16 * * ? *)',
  everyMs: 24 * 60 * 60 * 1000,
  description: 'daily, 00:30 Asia/Shanghai',
};

/**
 * The audit day close (ADR 0017): 00:15 in Beijing, when the day before has ended and its last
 * requests with it (CLOSE_GRACE_MS is ten minutes); the stack's EventBridge rule reads it.
 */
export const AUDIT_SEAL_SCHEDULE = {
  expression: 'cron(15 16 * * ? *)',
  description: 'daily, 00:15 Asia/Shanghai',
};
