import { cursorSealing, documentClient, tableName, theClock } from '../shared/wiring';
import { CatalogTable } from './adapters/catalogTable';
import { Catalog } from './domain/catalog';

/** The catalog's composition root: the Catalog table adapter and the use cases over it. */
export const catalogTable = () => new CatalogTable(documentClient(), tableName('Catalog'));

export function catalogContext() {
  return { catalog: new Catalog(catalogTable(), theClock()), cursors: cursorSealing };
}
