import type { HttpFunctionName } from '../schemas/routes';
import type { TableName } from '../schemas/tables';
import type { SignedKind } from '../functions/shared/domain/signing';

/**
 * Every Lambda function: its entry, and the tables it may touch. The stack turns `tables` into IAM
 * grants (least privilege) and env vars; the local stack loads the same entries in-process.
 */
export type Access = 'read' | 'readwrite';

export interface FunctionDef {
  entry: string;
  tables: Partial<Record<TableName, Access>>;
  /**
   * The signing keys it uses, one per kind of signed document (KMS when deployed): `sign` may sign
   * and read the public key; `verify` may only read the public key (to verify, and to publish it).
   */
  keys?: Partial<Record<SignedKind, 'sign' | 'verify'>>;
  memoryMb?: number;
  timeoutSeconds?: number;
}

export const BACKGROUND_FUNCTIONS = ['authorizer', 'aggregator', 'publisher', 'statementImport'] as const;
export type FunctionName = HttpFunctionName | (typeof BACKGROUND_FUNCTIONS)[number];

export const functions: Record<FunctionName, FunctionDef> = {
  authorizer: { entry: 'functions/authorizer/entry/http.ts', tables: {} },
  platform: { entry: 'functions/platform/entry/http.ts', tables: {} },
  catalog: { entry: 'functions/catalog/entry/http.ts', tables: { Catalog: 'readwrite' } },
  notices: {
    entry: 'functions/notices/entry/http.ts',
    tables: { Catalog: 'read', Notices: 'readwrite', RateLimits: 'readwrite' },
  },
  payments: {
    entry: 'functions/payments/entry/http.ts',
    tables: {
      Catalog: 'read',
      Notices: 'readwrite',
      Payments: 'readwrite',
      Receipts: 'readwrite',
      Ledger: 'readwrite',
      Finance: 'read',
      Idempotency: 'readwrite',
      RateLimits: 'readwrite',
    },
    keys: { receipt: 'sign' },
  },
  ledger: {
    entry: 'functions/ledger/entry/http.ts',
    tables: { Ledger: 'read', Finance: 'read' },
    keys: { dayProof: 'verify' },
  },
  finance: {
    entry: 'functions/finance/entry/http.ts',
    tables: { Payments: 'read', Ledger: 'readwrite', Finance: 'readwrite', Idempotency: 'readwrite', Catalog: 'read' },
    keys: { dayProof: 'sign' },
    // API Gateway cuts integrations at 29 s; longer work (large statements) runs in statementImport.
    timeoutSeconds: 29,
    memoryMb: 1024,
  },
  // Imports bank statements too large for the API payload limit: S3 upload → same import code.
  statementImport: {
    entry: 'functions/finance/entry/s3.ts',
    tables: { Payments: 'read', Finance: 'readwrite' },
    timeoutSeconds: 900,
    memoryMb: 1024,
  },
  opendata: {
    entry: 'functions/opendata/entry/http.ts',
    tables: { OpenData: 'readwrite', Catalog: 'read', RateLimits: 'readwrite' },
  },
  // Consumes the Payments stream (no personal data); no grant on the Payments table itself.
  aggregator: { entry: 'functions/opendata/entry/stream.ts', tables: { OpenData: 'readwrite' } },
  publisher: {
    entry: 'functions/opendata/entry/schedule.ts',
    tables: { OpenData: 'readwrite', Catalog: 'read' },
    timeoutSeconds: 300,
    memoryMb: 1024,
  },
};

/** The publisher's schedule; the stack's EventBridge rule and the local scheduler both read it. */
export const PUBLISH_SCHEDULE = {
  expression: 'cron(30 16 * * ? *)',
  everyMs: 24 * 60 * 60 * 1000,
  description: 'daily, 00:30 Asia/Shanghai',
};
