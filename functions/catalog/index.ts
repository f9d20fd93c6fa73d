/**
 * The catalog's published interface: how other contexts read fee items and departments, and the
 * rule that picks the version in force on a date. Other contexts' wiring builds the reader from
 * ./adapters/index.ts (CatalogTable).
 */
export { groupByCode, versionInForce } from './domain/catalog';
import type { CatalogStore } from './ports';

/** The read side of the catalog, as other contexts may use it. */
export type CatalogReader = Pick<
  CatalogStore,
  'getDepartment' | 'listDepartments' | 'listVersions' | 'listAllVersions'
>;
