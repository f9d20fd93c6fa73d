/** The catalog's published storage interface: the Catalog table adapter, for other contexts' wiring to build. */
export { CatalogTable } from './catalogTable';
