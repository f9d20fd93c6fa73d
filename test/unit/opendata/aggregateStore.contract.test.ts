import { describeAggregateStoreContract } from '../../contracts/aggregateStore.contract';
import { MemoryAggregateStore } from './memoryStores';

describeAggregateStoreContract('in memory', () => new MemoryAggregateStore());
