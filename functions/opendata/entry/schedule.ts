import { log } from '../../shared/adapters/log';
import { publish } from '../domain/publishing';
import { scheduleContext } from '../wiring';

/** Scheduled publisher (EventBridge rule from PUBLISH_SCHEDULE; locally infra/local/scheduler.ts). */
const { publishing, k } = scheduleContext();

export const handler = async (): Promise<{ publicationId: string; published: boolean }> => {
  const outcome = await publish(publishing, { k });
  log('info', 'open data publication', {
    publicationId: outcome.publicationId,
    published: outcome.published,
    rows: Object.fromEntries(outcome.releases.map((r) => [r.datasetId, r.rowCount])),
  });
  return { publicationId: outcome.publicationId, published: outcome.published };
};
