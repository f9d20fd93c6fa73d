import { describe, expect, it } from 'vitest';
import {
  PUBLICATION_TIME_LIMIT_MS,
  publicationJob,
  requestPublication,
  runPublicationJob,
} from '../../../functions/opendata/domain/publicationJobs';
import type { PublishDeps } from '../../../functions/opendata/domain/publishing';
import type { PublisherInvoker } from '../../../functions/opendata/ports';
import { clockAt } from '../../../functions/shared/domain/clock';
import { DomainError } from '../../../functions/shared/domain/errors';
import { MemoryCatalogStore } from '../../support/memoryCatalogStore';
import {
  MemoryAggregateStore,
  MemoryPublicationJobStore,
  MemoryReleaseFiles,
  MemoryReleaseStore,
} from './memoryStores';

const AT = new Date('2025-07-15T04:00:00.000Z');
const clock = clockAt(AT, 'Asia/Shanghai');

class RecordingPublisher implements PublisherInvoker {
  started: string[] = [];
  async start(jobId: string) {
    this.started.push(jobId);
  }
}

const publishing = (over: Partial<PublishDeps> = {}): PublishDeps => ({
  aggregates: new MemoryAggregateStore(),
  catalog: new MemoryCatalogStore(),
  releases: new MemoryReleaseStore(),
  files: new MemoryReleaseFiles(),
  clock,
  ...over,
});

describe('publication jobs', () => {
  it('records a queued job and starts the publisher on it, without publishing anything itself', async () => {
    const jobs = new MemoryPublicationJobStore();
    const publisher = new RecordingPublisher();
    const job = await requestPublication({ jobs, publisher, clock });
    expect(job).toEqual({
      jobId: expect.stringMatching(/^\d{8}T\d{9}Z-[0-9a-f]{12}$/),
      status: 'queued',
      requestedAt: AT.toISOString(),
    });
    expect(publisher.started).toEqual([job.jobId]);
    expect(await jobs.get(job.jobId)).toEqual(job);
  });

  it('marks the job failed when the publisher cannot be started, and lets the error through', async () => {
    const jobs = new MemoryPublicationJobStore();
    const broken: PublisherInvoker = { start: async () => Promise.reject(new Error('Lambda is down')) };
    await expect(requestPublication({ jobs, publisher: broken, clock })).rejects.toThrow('Lambda is down');
    const [job] = [...jobs.jobs.values()];
    expect(job).toMatchObject({ status: 'failed', error: { type: expect.stringMatching(/internal-error$/) } });
    expect(JSON.stringify(job)).not.toContain('Lambda is down');
  });

  it('runs a queued job once: publishes, records the outcome; a repeated delivery does nothing', async () => {
    const jobs = new MemoryPublicationJobStore();
    const store = new MemoryReleaseStore();
    const deps = publishing({ releases: store });
    const { jobId } = await requestPublication({ jobs, publisher: new RecordingPublisher(), clock });
    const ran = await runPublicationJob({ jobs, publishing: deps, k: 5 }, jobId);
    expect(ran?.error).toBeUndefined();
    expect(ran?.job).toMatchObject({
      jobId,
      status: 'succeeded',
      requestedAt: AT.toISOString(),
      startedAt: AT.toISOString(),
      finishedAt: AT.toISOString(),
      published: true,
      publicationId: expect.any(String),
    });
    expect(ran?.job.releases).toHaveLength(4);
    expect(await deps.releases.latestRelease('fee-catalog')).toEqual(
      ran?.job.releases?.find((r) => r.datasetId === 'fee-catalog'),
    );
    expect(await runPublicationJob({ jobs, publishing: deps, k: 5 }, jobId)).toBeUndefined();
    expect(await runPublicationJob({ jobs, publishing: deps, k: 5 }, 'no-such-job')).toBeUndefined();
    expect(store.releases).toHaveLength(4);
  });

  it('records why a publication was refused, and hides what went wrong otherwise', async () => {
    const jobs = new MemoryPublicationJobStore();
    const refusing = new MemoryAggregateStore();
    refusing.months = async () => {
      throw new DomainError('disclosure-unresolved', 'cell 7 cannot be protected');
    };
    const a = await requestPublication({ jobs, publisher: new RecordingPublisher(), clock });
    const refused = await runPublicationJob({ jobs, publishing: publishing({ aggregates: refusing }), k: 5 }, a.jobId);
    expect(refused?.job).toMatchObject({
      status: 'failed',
      error: { type: expect.stringMatching(/\/disclosure-unresolved$/), detail: 'cell 7 cannot be protected' },
    });
    expect(refused?.error).toBeInstanceOf(DomainError);

    const crashing = new MemoryAggregateStore();
    crashing.months = async () => {
      throw new Error('ProvisionedThroughputExceededException on table OpenData-1234');
    };
    const b = await requestPublication({ jobs, publisher: new RecordingPublisher(), clock });
    const crashed = await runPublicationJob({ jobs, publishing: publishing({ aggregates: crashing }), k: 5 }, b.jobId);
    expect(crashed?.job.error?.type).toMatch(/\/internal-error$/);
    expect(JSON.stringify(crashed?.job)).not.toContain('OpenData-1234');
  });

  it('reports unknown jobs as 404, and a job running past any Lambda time limit as failed', async () => {
    const jobs = new MemoryPublicationJobStore();
    await expect(publicationJob(jobs, '20250715T040000000Z-000000000000', AT)).rejects.toMatchObject({
      type: 'publication-job-unknown',
    });
    const { jobId } = await requestPublication({ jobs, publisher: new RecordingPublisher(), clock });
    await jobs.start(jobId, AT.toISOString());
    expect((await publicationJob(jobs, jobId, new Date(AT.getTime() + 60_000))).status).toBe('running');
    const late = await publicationJob(jobs, jobId, new Date(AT.getTime() + PUBLICATION_TIME_LIMIT_MS + 1));
    expect(late).toMatchObject({ status: 'failed', error: { type: expect.stringMatching(/\/internal-error$/) } });
  });
});
