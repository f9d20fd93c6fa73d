import type { HttpFunctionName } from '../schemas/routes';
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

export const BACKGROUND_FUNCTIONS = ['authorizer', 'aggregator', 'publisher', 'statementImport', 'orderSweep'] as const;
export type FunctionName = HttpFunctionName | (typeof BACKGROUND_FUNCTIONS)[number];

/**
 * Payments is reserved enough concurrency to run every request the stage admits (STAGE_THROTTLE,
 * 500 rps) at 200 ms each (Little's law: 500 × 0.2 s = 100), about twice a payment's measured
 * latency including its KMS signature. Reserved concurrency is taken out of the account's shared
 * pool, so open data or any other function scaling up cannot leave payments without executions; it
 * is also payments' ceiling, which the stage throttle reaches first. The account needs a
 * concurrency quota of at least 200 (AWS keeps 100 unreserved).
 */
export const PAYMENTS_RESERVED_CONCURRENCY = 100;

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
  Idempotency: { actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'] },
  RateLimits: { actions: ['UpdateItem'] },
};

export const functions: Record<FunctionName, FunctionDef> = {
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
      Notices: { actions: ['GetItem', 'PutItem', 'UpdateItem'], indexes: ['gsi1', 'gsi2'] },
      RateLimits: { actions: ['UpdateItem'] },
    },
  },
  payments: {
    entry: 'functions/payments/entry/http.ts',
    sealsCursors: true,
    tables: {
      // BatchGet of the notices paid, and the transaction entry that flips each to paid.
      Notices: { actions: ['BatchGetItem', 'UpdateItem'] },
      // UpdateItem: a refund raises the payment's refunded total, conditionally, in its transaction.
      Payments: { actions: ['GetItem', 'PutItem', 'UpdateItem'], indexes: ['gsi1'] },
      // UpdateItem: a refund sets the original receipt's status (and nothing else; ADR 0011).
      Receipts: { actions: ['GetItem', 'PutItem', 'UpdateItem'] },
      // Append-only: the posting's put, its day-open check, and the day registry's put.
      Ledger: { actions: ['PutItem', 'ConditionCheckItem'] },
      // Claim (put), replay (get), release (delete), completion (update in the payment's transaction).
      Idempotency: { actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'] },
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
    tables: { Ledger: { actions: ['GetItem', 'Query'], indexes: ['gsi1'] } },
    // Verifies day proofs against the public key; never signs.
    keys: { dayProof: 'verify' },
  },
  finance: {
    entry: 'functions/finance/entry/http.ts',
    tables: {
      // The day's payments and refunds, by the day index only.
      Payments: { actions: [], indexes: ['gsi1'] },
      // Append-only: postings, day guards, the day registry and day proofs are puts.
      Ledger: { actions: ['GetItem', 'Query', 'PutItem', 'ConditionCheckItem'], indexes: ['gsi1'] },
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
  // Consumes the Payments stream (no personal data); no grant on the Payments table itself.
  aggregator: {
    entry: 'functions/opendata/entry/stream.ts',
    tables: { OpenData: { actions: ['BatchGetItem', 'PutItem', 'UpdateItem'] } },
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
