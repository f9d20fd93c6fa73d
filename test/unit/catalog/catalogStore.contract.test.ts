import { MemoryCatalogStore } from '../../support/memoryCatalogStore';
import { describeCatalogStoreContract } from '../../contracts/catalogStore.contract';

describeCatalogStoreContract('MemoryCatalogStore', () => new MemoryCatalogStore());
