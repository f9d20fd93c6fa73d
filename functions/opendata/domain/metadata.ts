import type { DatasetId, Release } from '../../../schemas/opendata';
import { DATASETS, tableSchema } from './datasets';

/**
 * Standard metadata: the DCAT-US 1.1 catalog (Project Open Data `data.json`) and a Frictionless
 * Data Package v2 per dataset. Both are built from the dataset definitions and the latest releases.
 */
export const PUBLISHER = 'City Administrative Service Centre (行政服务中心)';
export const CONTACT = { fn: 'Open data desk', email: 'opendata@one-window.example.gov.cn' };
export const LICENSE = {
  name: 'CC-BY-4.0',
  path: 'https://creativecommons.org/licenses/by/4.0/',
  title: 'Creative Commons Attribution 4.0',
};

const datasetUrl = (base: string, id: DatasetId) => `${base}/v1/open/datasets/${id}`;

export function dcatCatalog(base: string, latest: Partial<Record<DatasetId, Release>>, today: string) {
  return {
    '@context': 'https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld',
    '@id': `${base}/v1/open/data.json`,
    '@type': 'dcat:Catalog',
    conformsTo: 'https://project-open-data.cio.gov/v1.1/schema',
    describedBy: 'https://project-open-data.cio.gov/v1.1/schema/catalog.json',
    dataset: Object.values(DATASETS).map((def) => {
      const url = datasetUrl(base, def.id);
      const release = latest[def.id];
      return {
        '@type': 'dcat:Dataset',
        title: def.title,
        description: `${def.description} Rows need an API key (x-api-key; sign up at ${base}/v1/open/keys).`,
        keyword: def.keywords,
        modified: release?.publishedAt ?? today,
        publisher: { '@type': 'org:Organization', name: PUBLISHER },
        contactPoint: { '@type': 'vcard:Contact', fn: CONTACT.fn, hasEmail: `mailto:${CONTACT.email}` },
        identifier: url,
        accessLevel: 'public',
        license: LICENSE.path,
        accrualPeriodicity: def.id === 'fee-catalog' ? 'R/P1D' : 'R/P1M',
        describedBy: `${url}/datapackage.json`,
        describedByType: 'application/json',
        distribution: [
          {
            '@type': 'dcat:Distribution',
            title: `${def.title} (CSV)`,
            downloadURL: `${url}/rows?format=csv&limit=1000`,
            mediaType: 'text/csv',
            format: 'CSV',
            describedBy: `${url}/datapackage.json`,
            describedByType: 'application/json',
          },
          {
            '@type': 'dcat:Distribution',
            title: `${def.title} (JSON)`,
            accessURL: `${url}/rows`,
            mediaType: 'application/json',
            format: 'JSON',
          },
          {
            '@type': 'dcat:Distribution',
            title: `${def.title} (Frictionless Data Package)`,
            downloadURL: `${url}/datapackage.json`,
            mediaType: 'application/json',
            format: 'Data Package',
            conformsTo: 'https://datapackage.org/standard/data-package/',
          },
        ],
      };
    }),
  };
}

export function dataPackage(base: string, id: DatasetId, release: Release | undefined) {
  const def = DATASETS[id];
  const url = datasetUrl(base, id);
  const releaseQuery = release ? `&release=${release.id}` : '';
  return {
    $schema: 'https://datapackage.org/profiles/2.0/datapackage.json',
    name: id,
    id: url,
    title: def.title,
    description: `${def.description}\n\nSmall-cell suppression: a cell counting fewer than k = ${release?.disclosure.k ?? 'k'} payments, and any cell whose value could be recovered from it by adding or subtracting published figures, has its figures empty (null) and \`suppressed\` true.`,
    homepage: url,
    ...(release ? { version: release.id, created: release.publishedAt } : {}),
    keywords: def.keywords,
    licenses: [LICENSE],
    contributors: [{ title: PUBLISHER, roles: ['publisher'] }],
    resources: [
      {
        name: id,
        type: 'table',
        path: `${url}/rows?format=csv&limit=1000${releaseQuery}`,
        format: 'csv',
        mediatype: 'text/csv',
        encoding: 'utf-8',
        description:
          'First page of the release (x-api-key required); further pages follow the nextCursor of the JSON rows.',
        schema: tableSchema(def),
        ...(release ? { 'x-release': release } : {}),
      },
    ],
  };
}
