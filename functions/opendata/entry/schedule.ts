import { log } from '../../shared/adapters/log';
import { publish } from '../domain/publishing';
import { scheduleContext } from '../wiring';

/**
 * Scheduled publisher (EventBridge rule from PUBLISH_SCHEDULE; locally infra/local/scheduler.ts).
 * Its parts are built on the first run rather than at import, as before the common layout: the
 * function runs once a schedule and its import stays as cheap as bench/coldstart.ts measured it.
 */
let context: ReturnType<typeof scheduleContext> | undefined;

export const handler = async (): Promise<{ publicationId: string; published: boolean }> => {
  context ??= scheduleContext();
  const outcome = await publish(context.publishing, { k: context.k });
  log('info', 'open data publication', {
    publicationId: outcome.publicationId,
    published: outcome.published,
    rows: Object.fromEntries(outcome.releases.map((r) => [r.datasetId, r.rowCount])),
  });
  return { publicationId: outcome.publicationId, published: outcome.published };
};
