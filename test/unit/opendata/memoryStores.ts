import { addCounters } from '../../../functions/opendata/domain/aggregation';
import { runFrom } from '../../../functions/opendata/domain/runs';
import type { Row } from '../../../functions/opendata/domain/datasets';
import type {
  AggregatedRecord,
  AggregateStore,
  ApiKeyRecord,
  ApiKeyStore,
  Counters,
  KeyDeriver,
  PublicationJob,
  PublicationJobStore,
  PublicationOutcome,
  ReleaseFileStore,
  ReleaseStore,
  RowsQuery,
  StoredRow,
} from '../../../functions/opendata/ports';
import { RunInterrupted } from '../../../functions/opendata/ports';
import { createHmac } from 'node:crypto';
import type { DatasetId, Release } from '../../../schemas/opendata';

/** In-memory AggregateStore: the same contract as AggregatesTable (sharded items, markers; test/contracts/aggregateStore.contract.ts). */
export class MemoryAggregateStore implements AggregateStore {
  markers = new Set<string>();
  /** month → shard → cell → counters */
  items = new Map<string, Map<number, Map<string, Counters>>>();

  async applyOnce(record: AggregatedRecord): Promise<boolean> {
    if (this.markers.has(record.key)) return false;
    this.markers.add(record.key);
    for (const c of record.contributions) {
      const month = this.items.get(c.month) ?? this.items.set(c.month, new Map()).get(c.month)!;
      const shard = month.get(c.shard) ?? month.set(c.shard, new Map()).get(c.shard)!;
      addCounters(shard.get(c.cell) ?? shard.set(c.cell, {}).get(c.cell)!, c.add);
    }
    return true;
  }
  /** Run markers: first record key → the run's record keys. */
  runs = new Map<string, Set<string>>();
  /** Test hook: the run applications left before one fails (a fault in the middle of a batch). */
  failAfterRuns = Number.POSITIVE_INFINITY;

  async applyRun(records: AggregatedRecord[]) {
    const out = { applied: 0, duplicates: 0 };
    let i = 0;
    while (i < records.length) {
      const done = this.runs.get(records[i]!.key);
      if (done) {
        const start = i;
        while (i < records.length && done.has(records[i]!.key)) i++;
        out.duplicates += i - start;
        continue;
      }
      if (this.failAfterRuns-- <= 0) throw new RunInterrupted(i, new Error('injected'));
      const { run, next } = runFrom(records, i);
      this.runs.set(run.first, new Set(run.keys));
      for (const d of run.deltas) this.add(d.month, run.shard, d.cell, d.add);
      out.applied += run.keys.length;
      out.duplicates += next - i - run.keys.length;
      i = next;
    }
    return out;
  }
  private add(m: string, s: number, cell: string, add: Counters) {
    const month = this.items.get(m) ?? this.items.set(m, new Map()).get(m)!;
    const shard = month.get(s) ?? month.set(s, new Map()).get(s)!;
    addCounters(shard.get(cell) ?? shard.set(cell, {}).get(cell)!, add);
  }
  async appliedAmong(keys: string[]) {
    return new Set(keys.filter((k) => this.markers.has(k)));
  }
  async months() {
    return [...this.items.keys()].sort();
  }
  async cellsOfMonth(month: string) {
    const out = new Map<string, Counters>();
    for (const shard of this.items.get(month)?.values() ?? [])
      for (const [cell, c] of shard) addCounters(out.get(cell) ?? out.set(cell, {}).get(cell)!, c);
    return out;
  }
}

/** In-memory ReleaseStore: the same contract as ReleasesTable (test/contracts/releaseStore.contract.ts). */
export class MemoryReleaseStore implements ReleaseStore {
  releases: Release[] = [];
  rows = new Map<string, StoredRow[]>();

  async putRelease(release: Release, rows: StoredRow[]) {
    if (this.releases.some((r) => r.datasetId === release.datasetId && r.id === release.id)) throw new Error('exists');
    this.rows.set(
      `${release.datasetId}#${release.id}`,
      [...rows].sort((a, b) => (a.key < b.key ? -1 : 1)),
    );
    this.releases.push(release);
  }
  async latestRelease(datasetId: DatasetId) {
    return (await this.listReleases(datasetId, 1)).items[0];
  }
  async getRelease(datasetId: DatasetId, id: string) {
    return this.releases.find((r) => r.datasetId === datasetId && r.id === id);
  }
  async listReleases(datasetId: DatasetId, limit: number, after?: string) {
    const all = this.releases
      .filter((r) => r.datasetId === datasetId && (!after || r.id < after))
      .sort((a, b) => (a.id < b.id ? 1 : -1));
    const items = all.slice(0, limit);
    return { items, last: all.length > limit ? items.at(-1)!.id : undefined };
  }
  async pageRows(datasetId: DatasetId, releaseId: string, q: RowsQuery) {
    const rows = (this.rows.get(`${datasetId}#${releaseId}`) ?? []).filter(
      (r) =>
        (!q.after || r.key > q.after) &&
        (q.keyPrefix === undefined ||
          (q.keyPrefix.endsWith('#') ? r.key.startsWith(q.keyPrefix) : r.key === q.keyPrefix)) &&
        Object.entries(q.filters).every(([f, v]) => r.row[f] === v),
    );
    const page = rows.slice(0, q.limit);
    return { rows: page.map((r) => r.row as Row), last: rows.length > q.limit ? page.at(-1)!.key : undefined };
  }
}

/** In-memory ApiKeyStore: the same contract as ApiKeysTable (test/contracts/apiKeyStore.contract.ts). */
export class MemoryApiKeyStore implements ApiKeyStore {
  records = new Map<string, ApiKeyRecord>();

  async put(record: ApiKeyRecord) {
    if (this.records.has(record.keyHash)) throw new Error(`api key ${record.keyId} exists`);
    this.records.set(record.keyHash, { ...record });
  }
  async get(keyHash: string) {
    const r = this.records.get(keyHash);
    return r && { ...r };
  }
}

/** In-memory ReleaseFileStore: create-only, as S3 with If-None-Match: * and the local directory are. */
export class MemoryReleaseFiles implements ReleaseFileStore {
  files = new Map<string, { body: string; contentType: string }>();

  async putFile(path: string, body: string, contentType: string) {
    if (this.files.has(path)) throw new Error(`${path} exists: release files are immutable`);
    this.files.set(path, { body, contentType });
  }
}

/** HMAC-SHA-256 under a fixed test key, as KMS's GenerateMac and the local key file compute it. */
export class MemoryKeyDeriver implements KeyDeriver {
  constructor(private readonly secret = 'test-secret') {}
  async mac(message: string) {
    return createHmac('sha256', this.secret).update(message, 'utf8').digest();
  }
}

/** In-memory PublicationJobStore: the same contract as PublicationJobsTable (test/contracts/publicationJobStore.contract.ts). */
export class MemoryPublicationJobStore implements PublicationJobStore {
  jobs = new Map<string, PublicationJob>();

  async create(job: PublicationJob) {
    if (this.jobs.has(job.jobId)) throw new Error(`publication job ${job.jobId} exists`);
    this.jobs.set(job.jobId, structuredClone(job));
  }
  async get(jobId: string) {
    const job = this.jobs.get(jobId);
    return job && structuredClone(job);
  }
  async start(jobId: string, startedAt: string) {
    const job = this.jobs.get(jobId);
    if (job?.status !== 'queued') return false;
    this.jobs.set(jobId, { ...job, status: 'running', startedAt });
    return true;
  }
  async finish(jobId: string, outcome: PublicationOutcome) {
    const job = this.jobs.get(jobId);
    if (job?.status !== 'queued' && job?.status !== 'running') throw new Error(`publication job ${jobId} is not open`);
    const defined = Object.fromEntries(Object.entries(outcome).filter(([, v]) => v !== undefined));
    this.jobs.set(jobId, structuredClone({ ...job, ...defined }));
  }
}
