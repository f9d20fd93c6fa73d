import { BudgetTable } from '../../../functions/finance/adapters/budgetTable';
import { LedgerJournal } from '../../../functions/finance/adapters/journal';
import { ReconciliationsTable } from '../../../functions/finance/adapters/reconciliationsTable';
import { StatementsTable } from '../../../functions/finance/adapters/statementsTable';
import { LedgerTable } from '../../../functions/ledger/adapters';
import { documentClient, tableName } from '../../../functions/shared/wiring';
import { describeFinanceStoresContract } from '../../contracts/financeStores.contract';

describeFinanceStoresContract('DynamoDB', () => {
  const client = documentClient();
  const ledger = new LedgerTable(client, tableName('Ledger'));
  return {
    statements: new StatementsTable(client, tableName('Finance')),
    runs: new ReconciliationsTable(client, tableName('Finance'), ledger),
    budget: new BudgetTable(client, tableName('Finance'), ledger),
    journal: new LedgerJournal(client, ledger),
  };
});
