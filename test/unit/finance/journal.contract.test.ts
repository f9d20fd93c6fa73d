import { describeJournalContract } from '../../contracts/journal.contract';
import { MemoryBooks } from './memoryBooks';

describeJournalContract('MemoryBooks', () => new MemoryBooks());
