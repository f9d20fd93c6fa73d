import { join } from 'node:path';
import type { CatalogReader } from '../catalog';
import { CatalogTable } from '../catalog/adapters';
import { PaymentsDayReader } from '../payments/adapters';
import { config } from '../shared/config';
import { cursorSealing, documentClient, rateLimitTable, tableName, theClock } from '../shared/wiring';
import { AggregatesTable } from './adapters/aggregatesTable';
import { NoApiGatewayRegistry, UsagePlanRegistry } from './adapters/apiGatewayKeys';
import { ApiKeysTable } from './adapters/apiKeysTable';
import { KmsKeyDeriver, LocalKeyDeriver } from './adapters/keyDerivers';
import { LambdaPublisherInvoker, NoPublisher } from './adapters/lambdaPublisher';
import { PublicationJobsTable } from './adapters/publicationJobsTable';
import { DirectoryReleaseFiles, S3ReleaseFiles } from './adapters/releaseFiles';
import { ReleasesTable } from './adapters/releasesTable';
import { OpenDataAccess } from './domain/apiKeys';
import { minCellSize } from './domain/disclosure';
import { publicBase, type PublicBase, type RequestLocation } from './domain/links';
import type { PublishDeps } from './domain/publishing';
import type { ApiKeyRegistry, KeyDeriver, PublisherInvoker, ReleaseFileStore } from './ports';

/**
 * Open data's composition root: the only module here that reads configuration. The four stores
 * share the OpenData table (one adapter per concern); the catalog is read through the catalog's
 * published storage interface. Built once per process (a Lambda container, or the local stack).
 */
export const aggregatesTable = () => new AggregatesTable(documentClient(), tableName('OpenData'));
export const releasesTable = () => new ReleasesTable(documentClient(), tableName('OpenData'));
export const apiKeysTable = () => new ApiKeysTable(documentClient(), tableName('OpenData'));
export const publicationJobsTable = () => new PublicationJobsTable(documentClient(), tableName('OpenData'));
const catalogReader = (): CatalogReader => new CatalogTable(documentClient(), tableName('Catalog'));

/** Deployed, keys also go to the API Gateway usage plan; locally (no plan configured) nowhere else. */
export function apiKeyRegistry(): ApiKeyRegistry {
  const plan = config().openData.usagePlanId;
  return plan ? new UsagePlanRegistry(plan) : new NoApiGatewayRegistry();
}

/** API keys are derived with KMS's HMAC key deployed, with the local stack's key file locally. */
export function keyDeriver(): KeyDeriver {
  const { openData, localKeyDir } = config();
  return openData.keyKmsKeyId
    ? new KmsKeyDeriver(openData.keyKmsKeyId)
    : new LocalKeyDeriver(join(localKeyDir, 'open-data-keys.secret'));
}

/** Release files go to the open-data bucket deployed, to the local stack's directory locally. */
export function releaseFiles(): ReleaseFileStore {
  const { bucket, filesDir } = config().openData;
  return bucket ? new S3ReleaseFiles(bucket) : new DirectoryReleaseFiles(filesDir);
}

/** The publisher function, invoked asynchronously (the local stack's Lambda service locally). */
export function publisherInvoker(): PublisherInvoker {
  const { openData, lambdaEndpoint, awsRegion } = config();
  if (!openData.publisherFunction) return new NoPublisher();
  return new LambdaPublisherInvoker(
    openData.publisherFunction,
    lambdaEndpoint ? { endpoint: lambdaEndpoint, region: awsRegion } : undefined,
  );
}

/** k of small-cell suppression: the configured whole number, under the disclosure rule's floor. */
export const minCell = (): number => minCellSize(config().openData.minCell);

/** What a publication reads and writes, dated by the business clock. */
export function publishDeps(releases = releasesTable()): PublishDeps {
  return {
    aggregates: aggregatesTable(),
    catalog: catalogReader(),
    releases,
    files: releaseFiles(),
    clock: theClock(),
  };
}

/** The Payments stream consumer's parts. */
export function streamContext() {
  return { aggregates: aggregatesTable(), clock: theClock() };
}

/** The rebuild's parts: every payment and refund record (the payments context's reader), the aggregates, the clock. */
export function rebuildContext() {
  return {
    records: new PaymentsDayReader(documentClient(), tableName('Payments')),
    aggregates: aggregatesTable(),
    clock: theClock(),
  };
}

/** The publisher's parts: scheduled publications, and the jobs POST /v1/open/publish starts. */
export function scheduleContext() {
  return { publishing: publishDeps(), jobs: publicationJobsTable(), k: minCell() };
}

/** The HTTP function's parts. */
export function httpContext() {
  const clock = theClock();
  const access = new OpenDataAccess({
    keys: apiKeysTable(),
    registry: apiKeyRegistry(),
    deriver: keyDeriver(),
    limiter: rateLimitTable(),
    clock,
    perKey: config().openData.rate,
  });
  return {
    releases: releasesTable(),
    clock,
    access,
    jobs: publicationJobsTable(),
    publisher: publisherInvoker(),
    /** Read per request, like the limits: the local stack and tests change it in a running process. */
    publicBase: (req: RequestLocation): PublicBase => publicBase(config().openData.publicBaseUrl, req),
    cursors: cursorSealing,
  };
}
