import type { DatasetId, Release } from '../../schemas/opendata';
import type { Row } from './domain/datasets';

/**
 * Every interface the open-data domain needs: the four stores on the OpenData table (aggregates,
 * releases, API keys, publication jobs), the public release files, the publisher it starts, the API
 * Gateway key registry, the key deriver, a rate limiter, the clock, and the catalog's read side
 * (another context's published interface). The records that cross these ports are
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

/** A run of records failed part-way: everything before `firstUnapplied` is applied, nothing after. */
export class RunInterrupted extends Error {
  constructor(
    readonly firstUnapplied: number,
    cause: unknown,
  ) {
    super(`aggregation stopped at record ${firstUnapplied}`, { cause });
    this.name = 'RunInterrupted';
  }
}

/**
 * The store port of the aggregator. `applyOnce` writes a record's contributions and its marker
 * atomically; it returns false when the marker already existed (a re-delivered record).
 */
export interface AggregateStore {
  applyOnce(record: AggregatedRecord): Promise<boolean>;
  /**
   * Applies records in stream order, each at most once: runs of them are pre-aggregated in memory and
   * written as one delta per counter with a run marker keyed by the run's first record (listing every
   * record of the run), in one transaction; a run whose marker exists is skipped. Resuming a stream at
   * any record where an earlier delivery started or stopped therefore applies nothing twice
   * (docs/adr/0014). Throws RunInterrupted with the index of the first record not applied.
   */
  applyRun(records: AggregatedRecord[]): Promise<{ applied: number; duplicates: number }>;
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

/**
 * Published releases as public files: each release's whole CSV, written once before the release
 * record (S3 deployed, served by CloudFront; a directory locally, served by the local gateway).
 */
export interface ReleaseFileStore {
  /** Writes `body` at `path` (`open-data/<dataset>/<release>.csv`); a file never changes once written. */
  putFile(path: string, body: string, contentType: string): Promise<void>;
}

/** What is kept of an API key: its SHA-256 and the consumer's contact (personal data: never logged or served). */
export interface ApiKeyRecord {
  keyHash: string;
  keyId: string;
  name: string;
  email: string;
  purpose: string;
  createdAt: string;
  /**
   * SHA-256 of the management token shown once at sign-up, with which the owner may have the key
   * shown again (absent on keys issued before keys were derived: those cannot be shown again).
   */
  managementTokenHash?: string;
}

export interface ApiKeyStore {
  /** Refuses a hash that is already stored. */
  put(record: ApiKeyRecord): Promise<void>;
  get(keyHash: string): Promise<ApiKeyRecord | undefined>;
}

/**
 * Derives an API key's secret part from its id with a server-held key (HMAC-SHA-256; KMS deployed, a
 * local key file locally), so a key can be shown again without ever being stored.
 */
export interface KeyDeriver {
  mac(message: string): Promise<Uint8Array>;
}

export type PublicationJobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** A request to publish, run by the publisher function; `POST /v1/open/publish` answers with it at once. */
export interface PublicationJob {
  jobId: string;
  status: PublicationJobStatus;
  requestedAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** When succeeded. */
  publicationId?: string;
  published?: boolean;
  releases?: Release[];
  /** When failed: the problem (type slug, title, detail), as an HTTP error would carry it. */
  error?: { type: string; title: string; detail: string };
}

export interface PublicationJobStore {
  /** Refuses an id that exists. */
  create(job: PublicationJob): Promise<void>;
  get(jobId: string): Promise<PublicationJob | undefined>;
  /** queued → running; false when the job is not queued (unknown, or taken by an earlier delivery). */
  start(jobId: string, startedAt: string): Promise<boolean>;
  /** Records how a queued or running job ended; a finished job stays as it finished. */
  finish(jobId: string, outcome: PublicationOutcome): Promise<void>;
}

/** How a job ended: what `finish` adds to it. */
export type PublicationOutcome = Pick<PublicationJob, 'publicationId' | 'published' | 'releases' | 'error'> & {
  status: 'succeeded' | 'failed';
  finishedAt: string;
};

/** Starts the publisher on a job without waiting for it (deployed: Lambda Invoke, InvocationType Event). */
export interface PublisherInvoker {
  start(jobId: string): Promise<void>;
}

/** Where API keys are registered besides our own store (API Gateway usage plans when deployed). */
export interface ApiKeyRegistry {
  register(key: { keyId: string; value: string }): Promise<void>;
}

/** A fixed-window limit per (scope, client); throws DomainError `rate-limited` when over it. */
export interface RateLimiter {
  enforce(opts: { scope: string; client: string; limit: number; windowSeconds: number }): Promise<void>;
}
