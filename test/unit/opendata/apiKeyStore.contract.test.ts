import { describeApiKeyStoreContract } from '../../contracts/apiKeyStore.contract';
import { MemoryApiKeyStore } from './memoryStores';

describeApiKeyStoreContract('in memory', () => new MemoryApiKeyStore());
