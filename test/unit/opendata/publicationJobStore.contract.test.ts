import { describePublicationJobStoreContract } from '../../contracts/publicationJobStore.contract';
import { MemoryPublicationJobStore } from './memoryStores';

describePublicationJobStoreContract('in memory', () => new MemoryPublicationJobStore());
