import type { DatasetId, Release } from '../../schemas/opendata';
import type { Row } from './domain/datasets';

/**
 * Every interface the open-data domain needs: the three stores on the OpenData table (aggregates,
 * releases, API keys), the API Gateway key registry, a rate limiter, the clock, and the catalog's
 * read side (another context's published interface). The records that cross these ports are
 * declared here too, so the domain modules and the adapters share them without a cycle.
 */
export type { Clock } from '../shared/domain/clock';
export type { CatalogReader } from '../catalog';

/** Named counters of one aggregate cell (paymentCount, amount, h<hours>, ...). */
export type Counters = Record<string, number>;

export interface Contribution {
  /** Business month YYYY-MM: the partition of the aggregates. */
  month: string;
  shard: number;
  /** Cell key, see domain/aggregation.ts. */
  cell: string;
  add: Counters;
}

export interface AggregatedRecord {
  /** `PAY#<paymentId>` or `REFUND#<refundId>`: the dedupe key of the record. */
  key: string;
  contributions: Contribution[];
}

/**
 * The store port of the aggregator. `applyOnce` writes a record's contributions and its marker
 * atomically; it returns false when the marker already existed (a re-delivered record).
 */
export interface AggregateStore {
  applyOnce(record: AggregatedRecord): Promise<boolean>;
  /**
   * Which of these record keys have markers already (a cheap read, possibly stale): lets a
   * re-delivered batch skip its transactions. Only an optimisation; applyOnce's condition decides.
   */
  appliedAmong(keys: string[]): Promise<Set<string>>;
  /** Months that have aggregates, ascending. */
  months(): Promise<string[]>;
  /** Every cell of a month with its shards summed. */
  cellsOfMonth(month: string): Promise<Map<string, Counters>>;
}

export interface StoredRow {
  key: string;
  row: Row;
}

export interface RowsQuery {
  /** From equality filters on leading key fields: ends with `#` for a prefix of the key, else the whole key. */
  keyPrefix?: string;
  /** Equality filters on other fields. */
  filters: Record<string, string | number | boolean>;
  /** Exclusive start: the key of the last row of the previous page. */
  after?: string;
  limit: number;
}

export interface ReleaseStore {
  /** Writes the rows, then the release record (conditional on the id being new): a release is visible only whole. */
  putRelease(release: Release, rows: StoredRow[]): Promise<void>;
  latestRelease(datasetId: DatasetId): Promise<Release | undefined>;
  getRelease(datasetId: DatasetId, releaseId: string): Promise<Release | undefined>;
  /** Newest first; `last` (the id of the last release returned) is set when more may follow. */
  listReleases(datasetId: DatasetId, limit: number, after?: string): Promise<{ items: Release[]; last?: string }>;
  /** Up to `limit` rows after `after`; `last` is the key of the last row returned when more follow. */
  pageRows(datasetId: DatasetId, releaseId: string, q: RowsQuery): Promise<{ rows: Row[]; last?: string }>;
}

/** What is kept of an API key: its SHA-256 and the consumer's contact (personal data: never logged or served). */
export interface ApiKeyRecord {
  keyHash: string;
  keyId: string;
  name: string;
  email: string;
  purpose: string;
  createdAt: string;
}

export interface ApiKeyStore {
  /** Refuses a hash that is already stored. */
  put(record: ApiKeyRecord): Promise<void>;
  get(keyHash: string): Promise<ApiKeyRecord | undefined>;
}

/** Where API keys are registered besides our own store (API Gateway usage plans when deployed). */
export interface ApiKeyRegistry {
  register(key: { keyId: string; value: string }): Promise<void>;
}

/** A fixed-window limit per (scope, client); throws DomainError `rate-limited` when over it. */
export interface RateLimiter {
  enforce(opts: { scope: string; client: string; limit: number; windowSeconds: number }): Promise<void>;
}
