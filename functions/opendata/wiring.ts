import type { CatalogReader } from '../catalog';
import { CatalogTable } from '../catalog/adapters';
import { config } from '../shared/config';
import { cursorSealing, documentClient, rateLimitTable, tableName, theClock } from '../shared/wiring';
import { AggregatesTable } from './adapters/aggregatesTable';
import { NoApiGatewayRegistry, UsagePlanRegistry } from './adapters/apiGatewayKeys';
import { ApiKeysTable } from './adapters/apiKeysTable';
import { ReleasesTable } from './adapters/releasesTable';
import { OpenDataAccess } from './domain/apiKeys';
import { minCellSize } from './domain/disclosure';
import type { PublishDeps } from './domain/publishing';
import type { ApiKeyRegistry } from './ports';

/**
 * Open data's composition root: the only module here that reads configuration. The three stores
 * share the OpenData table (one adapter per concern); the catalog is read through the catalog's
 * published storage interface. Built once per process (a Lambda container, or the local stack).
 */
export const aggregatesTable = () => new AggregatesTable(documentClient(), tableName('OpenData'));
export const releasesTable = () => new ReleasesTable(documentClient(), tableName('OpenData'));
export const apiKeysTable = () => new ApiKeysTable(documentClient(), tableName('OpenData'));
const catalogReader = (): CatalogReader => new CatalogTable(documentClient(), tableName('Catalog'));

/** Deployed, keys also go to the API Gateway usage plan; locally (no plan configured) nowhere else. */
export function apiKeyRegistry(): ApiKeyRegistry {
  const plan = config().openData.usagePlanId;
  return plan ? new UsagePlanRegistry(plan) : new NoApiGatewayRegistry();
}

/** k of small-cell suppression: the configured whole number, under the disclosure rule's floor. */
export const minCell = (): number => minCellSize(config().openData.minCell);

/** What a publication reads and writes, dated by the business clock. */
export function publishDeps(releases = releasesTable()): PublishDeps {
  return { aggregates: aggregatesTable(), catalog: catalogReader(), releases, clock: theClock() };
}

/** The Payments stream consumer's parts. */
export function streamContext() {
  return { aggregates: aggregatesTable(), clock: theClock() };
}

/** The scheduled publisher's parts. */
export function scheduleContext() {
  return { publishing: publishDeps(), k: minCell() };
}

/** The HTTP function's parts. */
export function httpContext() {
  const releases = releasesTable();
  const clock = theClock();
  const access = new OpenDataAccess({
    keys: apiKeysTable(),
    registry: apiKeyRegistry(),
    limiter: rateLimitTable(),
    clock,
    perKey: config().openData.rate,
  });
  return { releases, clock, access, publishing: publishDeps(releases), k: minCell(), cursors: cursorSealing };
}
