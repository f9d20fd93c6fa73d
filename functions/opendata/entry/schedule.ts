import { DynamoCatalogStore } from '../../catalog/store';
import { log } from '../../shared/adapters/log';
import { DynamoAggregateStore } from '../adapters/aggregatesTable';
import { publish } from '../domain/publishing';
import { minCellSize } from '../domain/disclosure';
import { config } from '../../shared/config';
import { DynamoReleaseStore } from '../adapters/releasesTable';

/** Scheduled publisher (EventBridge rule from PUBLISH_SCHEDULE; locally infra/local/scheduler.ts). */
export const handler = async (): Promise<{ publicationId: string; published: boolean }> => {
  const outcome = await publish(
    { aggregates: new DynamoAggregateStore(), catalog: new DynamoCatalogStore(), releases: new DynamoReleaseStore() },
    { k: minCellSize(String(config().openData.minCell)) },
  );
  log('info', 'open data publication', {
    publicationId: outcome.publicationId,
    published: outcome.published,
    rows: Object.fromEntries(outcome.releases.map((r) => [r.datasetId, r.rowCount])),
  });
  return { publicationId: outcome.publicationId, published: outcome.published };
};
