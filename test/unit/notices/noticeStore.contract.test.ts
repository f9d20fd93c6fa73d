import { MemoryWorld } from '../payments/memoryWorld';
import { describeNoticeStoreContract } from '../../contracts/noticeStore.contract';

describeNoticeStoreContract('MemoryWorld', () => new MemoryWorld());
