import { CatalogTable } from '../catalog/adapters';
import { documentClient, tableName } from '../shared/wiring';
import { log } from '../shared/adapters/log';
import { DynamoAggregateStore } from './aggregateStore';
import { publish } from './publishing';
import { minCellSize } from './disclosure';
import { config } from '../shared/config';
import { DynamoReleaseStore } from './releaseStore';

/** Scheduled publisher (EventBridge rule from PUBLISH_SCHEDULE; locally infra/local/scheduler.ts). */
export const handler = async (): Promise<{ publicationId: string; published: boolean }> => {
  const outcome = await publish(
    { aggregates: new DynamoAggregateStore(), catalog: new CatalogTable(documentClient(), tableName('Catalog')), releases: new DynamoReleaseStore() },
    { k: minCellSize(String(config().openData.minCell)) },
  );
  log('info', 'open data publication', {
    publicationId: outcome.publicationId,
    published: outcome.published,
    rows: Object.fromEntries(outcome.releases.map((r) => [r.datasetId, r.rowCount])),
  });
  return { publicationId: outcome.publicationId, published: outcome.published };
};
