import { randomBytes } from 'node:crypto';
import { DomainError, problemOf } from '../../shared/domain/errors';
import type { Clock, PublicationJob, PublicationJobStore, PublicationOutcome, PublisherInvoker } from '../ports';
import { publish, type PublishDeps } from './publishing';

/**
 * Publishing on request, asynchronously. A publication reads every completed month's aggregates and
 * writes every row of four datasets: with a million payments it takes longer than an API request may
 * (API Gateway cuts at 29 s, the open-data function at 10 s). So `POST /v1/open/publish` records a
 * job and starts the publisher function on it (which has minutes), and the caller polls the job.
 *
 * queued → running → succeeded | failed. A job is started once: a second delivery of the same event
 * (Lambda's asynchronous invocation is at least once) finds it no longer queued and does nothing.
 */

/**
 * Lambda stops any function after 15 minutes: a job still `running` well past that was cut short
 * (a timeout, the process killed) and is reported failed, since it will never report itself.
 */
export const PUBLICATION_TIME_LIMIT_MS = 16 * 60 * 1000;

/** Sortable like publication ids (the request instant, compact) and unguessable enough to be unique. */
export const newJobId = (at: Date): string =>
  `${at.toISOString().replace(/[-:.]/g, '')}-${randomBytes(6).toString('hex')}`;

/** Records a job and starts the publisher on it; the job is `failed` if the publisher cannot be started. */
export async function requestPublication(deps: {
  jobs: PublicationJobStore;
  publisher: PublisherInvoker;
  clock: Clock;
}): Promise<PublicationJob> {
  const at = deps.clock.now();
  const job: PublicationJob = { jobId: newJobId(at), status: 'queued', requestedAt: at.toISOString() };
  await deps.jobs.create(job);
  try {
    await deps.publisher.start(job.jobId);
  } catch (e) {
    await deps.jobs.finish(job.jobId, {
      status: 'failed',
      finishedAt: deps.clock.now().toISOString(),
      error: failure(new DomainError('internal-error', 'The publisher could not be started; publish again')),
    });
    throw e;
  }
  return job;
}

function failure(e: unknown): NonNullable<PublicationJob['error']> {
  // A domain refusal (disclosure-unresolved) says why; anything else is logged, not told.
  const err =
    e instanceof DomainError && e.status < 500
      ? e
      : new DomainError('internal-error', 'The publication failed; it has been logged');
  const { type, title, detail } = problemOf(err);
  return { type, title, detail };
}

/**
 * Runs a queued job: publishes and records the outcome. Undefined when the job was not queued (an
 * unknown id, or a repeated delivery). A failed publication is recorded on the job, and also
 * returned with the error, so the caller can log it.
 */
export async function runPublicationJob(
  deps: { jobs: PublicationJobStore; publishing: PublishDeps; k: number },
  jobId: string,
): Promise<{ job: PublicationJob; error?: unknown } | undefined> {
  const clock = deps.publishing.clock;
  const startedAt = clock.now().toISOString();
  if (!(await deps.jobs.start(jobId, startedAt))) return undefined;
  let outcome: PublicationOutcome;
  let error: unknown;
  try {
    const published = await publish(deps.publishing, { k: deps.k });
    outcome = {
      status: 'succeeded',
      finishedAt: clock.now().toISOString(),
      publicationId: published.publicationId,
      published: published.published,
      releases: published.releases,
    };
  } catch (e) {
    error = e;
    outcome = { status: 'failed', finishedAt: clock.now().toISOString(), error: failure(e) };
  }
  await deps.jobs.finish(jobId, outcome);
  const job = await deps.jobs.get(jobId);
  if (!job) throw new Error(`publication job ${jobId} vanished while it ran`);
  return { job, error };
}

/** A job as its requester sees it; 404 when unknown (or expired). */
export async function publicationJob(jobs: PublicationJobStore, jobId: string, now: Date): Promise<PublicationJob> {
  const job = await jobs.get(jobId);
  if (!job) throw new DomainError('publication-job-unknown');
  if (
    job.status === 'running' &&
    now.getTime() - Date.parse(job.startedAt ?? job.requestedAt) > PUBLICATION_TIME_LIMIT_MS
  )
    return {
      ...job,
      status: 'failed',
      error: failure(new DomainError('internal-error', 'The publisher stopped before it finished; publish again')),
    };
  return job;
}
