import { CatalogTable } from '../../../functions/catalog/adapters/catalogTable';
import { documentClient, tableName } from '../../../functions/shared/wiring';
import { describeCatalogStoreContract } from '../../contracts/catalogStore.contract';

/** The Catalog table adapter against DynamoDB Local. */
describeCatalogStoreContract('CatalogTable', () => new CatalogTable(documentClient(), tableName('Catalog')));
