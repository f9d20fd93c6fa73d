import { describeReleaseStoreContract } from '../../contracts/releaseStore.contract';
import { MemoryReleaseStore } from './memoryStores';

describeReleaseStoreContract('in memory', () => new MemoryReleaseStore());
