import { log } from '../../shared/adapters/log';
import { publish } from '../domain/publishing';
import { runPublicationJob } from '../domain/publicationJobs';
import { scheduleContext } from '../wiring';

/**
 * The publisher: runs on its schedule (EventBridge rule from PUBLISH_SCHEDULE; locally
 * infra/local/scheduler.ts), and on a publication job `{jobId}` that POST /v1/open/publish started
 * with an asynchronous Lambda Invoke (locally infra/local/lambda.ts runs this entry in-process).
 * Its parts are built on the first run rather than at import, as before the common layout: the
 * function runs once a schedule and its import stays as cheap as bench/coldstart.ts measured it.
 */
let context: ReturnType<typeof scheduleContext> | undefined;

const jobIdOf = (event: unknown): string | undefined => {
  const jobId = (event as { jobId?: unknown } | null)?.jobId;
  return typeof jobId === 'string' && /^[0-9A-Za-z-]{1,64}$/.test(jobId) ? jobId : undefined;
};

export const handler = async (event?: unknown): Promise<{ publicationId?: string; published?: boolean }> => {
  context ??= scheduleContext();
  const jobId = jobIdOf(event);
  if (jobId) {
    const ran = await runPublicationJob(context, jobId);
    if (!ran) {
      log('warn', 'publication job not queued: skipped', { jobId });
      return {};
    }
    // Not rethrown: the job records the failure for its requester, and a retry would find it finished.
    if (ran.error)
      log('error', 'publication job failed', {
        jobId,
        error: ran.error instanceof Error ? `${ran.error.name}: ${ran.error.message}` : String(ran.error),
      });
    else
      log('info', 'open data publication', {
        jobId,
        ...summary(ran.job.publicationId, ran.job.published, ran.job.releases),
      });
    return { publicationId: ran.job.publicationId, published: ran.job.published };
  }
  const outcome = await publish(context.publishing, { k: context.k });
  log('info', 'open data publication', summary(outcome.publicationId, outcome.published, outcome.releases));
  return { publicationId: outcome.publicationId, published: outcome.published };
};

function summary(
  publicationId?: string,
  published?: boolean,
  releases: { datasetId: string; rowCount: number }[] = [],
) {
  return { publicationId, published, rows: Object.fromEntries(releases.map((r) => [r.datasetId, r.rowCount])) };
}
