import { describeIdempotencyStoreContract } from '../../contracts/idempotencyStore.contract';
import { MemoryWorld } from './memoryWorld';

describeIdempotencyStoreContract('MemoryWorld', () => new MemoryWorld());
