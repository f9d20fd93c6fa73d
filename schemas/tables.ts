/**
 * The one definition of every DynamoDB table: logical name, keys, indexes, stream and TTL.
 * The CDK stack declares tables from it and the local stack creates the same tables in DynamoDB Local,
 * so the two cannot drift. Functions learn the physical name from the env var `TABLE_<NAME>`.
 *
 * Every table uses generic string keys (pk/sk, gsiNpk/gsiNsk): the item shapes live with the bounded
 * context that owns the table, and a new access pattern does not need a schema migration.
 */
export interface IndexDef {
  name: string;
  pk: string;
  sk: string;
  /**
   * What the index holds besides the keys: `ALL` (the default) or `KEYS_ONLY`. A KEYS_ONLY entry does
   * not change when the item's other attributes do, so such writes cost no index write (docs/adr/0014).
   */
  projection?: 'ALL' | 'KEYS_ONLY';
}

export interface TableDef {
  /** Logical name; also the suffix of the env var `TABLE_<NAME>` that carries the physical name. */
  name: TableName;
  pk: string;
  sk: string;
  indexes: IndexDef[];
  /** NEW_IMAGE stream (Payments: the open-data aggregator and webhooks; Webhooks: its outbox). Only tables without personal data. */
  stream?: boolean;
  ttlAttribute?: string;
  /** Holds payer identity; only the notices context may read it. */
  personalData?: boolean;
}

export const TABLE_NAMES = [
  'Catalog',
  'Notices',
  'Payments',
  'Orders',
  'Receipts',
  'Ledger',
  'Finance',
  'Idempotency',
  'RateLimits',
  'Audit',
  'OpenData',
  'Webhooks',
] as const;
export type TableName = (typeof TABLE_NAMES)[number];

const gsi = (n: 1 | 2, projection?: 'KEYS_ONLY'): IndexDef => ({
  name: `gsi${n}`,
  pk: `gsi${n}pk`,
  sk: `gsi${n}sk`,
  ...(projection ? { projection } : {}),
});

export const tables: Record<TableName, TableDef> = {
  Catalog: { name: 'Catalog', pk: 'pk', sk: 'sk', indexes: [gsi(1)] },
  // Keys only: paying (or holding, or cancelling) a notice changes no index entry; lists read the items.
  Notices: {
    name: 'Notices',
    pk: 'pk',
    sk: 'sk',
    indexes: [gsi(1, 'KEYS_ONLY'), gsi(2, 'KEYS_ONLY')],
    personalData: true,
  },
  Payments: { name: 'Payments', pk: 'pk', sk: 'sk', indexes: [gsi(1)], stream: true },
  // Payment orders: notice numbers and amounts, no payer identity; no stream (payments are the record).
  Orders: { name: 'Orders', pk: 'pk', sk: 'sk', indexes: [gsi(1), gsi(2)] },
  Receipts: { name: 'Receipts', pk: 'pk', sk: 'sk', indexes: [] },
  // No index: a day's postings are read by their day-sharded primary key (ADR 0008), so a posting is one write.
  Ledger: { name: 'Ledger', pk: 'pk', sk: 'sk', indexes: [] },
  Finance: { name: 'Finance', pk: 'pk', sk: 'sk', indexes: [gsi(1)] },
  Idempotency: { name: 'Idempotency', pk: 'pk', sk: 'sk', indexes: [], ttlAttribute: 'expiresAt' },
  RateLimits: { name: 'RateLimits', pk: 'pk', sk: 'sk', indexes: [], ttlAttribute: 'expiresAt' },
  // No index: an event is one item under its day's shard, found by its id (ADR 0017).
  Audit: { name: 'Audit', pk: 'pk', sk: 'sk', indexes: [] },
  OpenData: { name: 'OpenData', pk: 'pk', sk: 'sk', indexes: [gsi(1)], ttlAttribute: 'expiresAt' },
  // Endpoints (secrets sealed), the delivery log, and the outbox of cancelled notices its stream carries.
  Webhooks: { name: 'Webhooks', pk: 'pk', sk: 'sk', indexes: [gsi(1)], stream: true, ttlAttribute: 'expiresAt' },
};

export const tableEnvVar = (name: TableName): string => `TABLE_${name.toUpperCase()}`;
