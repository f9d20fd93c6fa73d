import type { DatasetId, Release } from '../../../schemas/opendata';
import { DATASETS, tableSchema } from './datasets';
import type { PublicBase } from './links';

/**
 * Standard metadata: the DCAT-US 1.1 catalog (Project Open Data `data.json`) and a Frictionless
 * Data Package v2 per dataset. Both are built from the dataset definitions and the latest releases,
 * with links under the public base (links.ts): API routes under `base.api`, and each release's
 * public CSV file (releaseFiles.ts) under `base.files`. Downloads need no key; the rows API does.
 */
export const PUBLISHER = 'City Administrative Service Centre (行政服务中心)';
export const CONTACT = { fn: 'Open data desk', email: 'opendata@one-window.example.gov.cn' };
export const LICENSE = {
  name: 'CC-BY-4.0',
  path: 'https://creativecommons.org/licenses/by/4.0/',
  title: 'Creative Commons Attribution 4.0',
};

const datasetUrl = (base: PublicBase, id: DatasetId) => `${base.api}/v1/open/datasets/${id}`;
const fileUrl = (base: PublicBase, file: NonNullable<Release['file']>) => `${base.files}/${file.path}`;

/** The latest release's public CSV file as a DCAT distribution; none before the first release. */
function csvDistribution(base: PublicBase, title: string, url: string, release: Release | undefined) {
  if (!release?.file) return [];
  return [
    {
      '@type': 'dcat:Distribution',
      title: `${title} (CSV, release ${release.id})`,
      description: 'The whole latest release as one file; no API key needed.',
      downloadURL: fileUrl(base, release.file),
      mediaType: 'text/csv',
      format: 'CSV',
      describedBy: `${url}/datapackage.json`,
      describedByType: 'application/json',
    },
  ];
}

export function dcatCatalog(base: PublicBase, latest: Partial<Record<DatasetId, Release>>, today: string) {
  return {
    '@context': 'https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld',
    '@id': `${base.api}/v1/open/data.json`,
    '@type': 'dcat:Catalog',
    conformsTo: 'https://project-open-data.cio.gov/v1.1/schema',
    describedBy: 'https://project-open-data.cio.gov/v1.1/schema/catalog.json',
    dataset: Object.values(DATASETS).map((def) => {
      const url = datasetUrl(base, def.id);
      const release = latest[def.id];
      return {
        '@type': 'dcat:Dataset',
        title: def.title,
        description: `${def.description} Each release is a public CSV file; the rows API (filters, pages) needs an API key (x-api-key; sign up at ${base.api}/v1/open/keys).`,
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
          ...csvDistribution(base, def.title, url, release),
          {
            '@type': 'dcat:Distribution',
            title: `${def.title} (JSON rows API, x-api-key)`,
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

/** Where the resource's data is: the release's public file; none yet before the first release. */
function resourceData(base: PublicBase, release: Release | undefined) {
  if (!release) return { data: [], description: 'Nothing has been published yet.' };
  // A release from before releases had files (the next publication gives the dataset one).
  if (!release.file)
    return {
      path: `${datasetUrl(base, release.datasetId)}/rows?format=csv&limit=1000&release=${release.id}`,
      description: 'First page of the release (x-api-key required); further pages follow x-next-cursor.',
    };
  return {
    path: fileUrl(base, release.file),
    bytes: release.file.bytes,
    hash: `sha256:${release.file.sha256}`,
    description: 'The whole release as a public CSV file (no API key needed).',
  };
}

export function dataPackage(base: PublicBase, id: DatasetId, release: Release | undefined) {
  const def = DATASETS[id];
  const url = datasetUrl(base, id);
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
        ...resourceData(base, release),
        format: 'csv',
        mediatype: 'text/csv',
        encoding: 'utf-8',
        schema: tableSchema(def),
        ...(release ? { 'x-release': release } : {}),
      },
    ],
  };
}
