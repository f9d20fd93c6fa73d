import { LedgerJournal } from '../../../functions/finance/adapters/journal';
import { LedgerTable } from '../../../functions/ledger/adapters';
import { documentClient, tableName } from '../../../functions/shared/wiring';
import { describeJournalContract } from '../../contracts/journal.contract';

// DynamoDB Local's day index is consistent at once: nothing to wait for after a close.
describeJournalContract(
  'DynamoDB',
  () => new LedgerJournal(documentClient(), new LedgerTable(documentClient(), tableName('Ledger'))),
);
