import { CatalogTable } from '../catalog/adapters';
import { LedgerTable } from '../ledger/adapters';
import { PaymentsDayReader } from '../payments/adapters';
import { documentClient, idempotencyTable, tableName, theClock, theSigner } from '../shared/wiring';
import { BudgetTable } from './adapters/budgetTable';
import { LedgerJournal } from './adapters/journal';
import { ReconciliationsTable } from './adapters/reconciliationsTable';
import { StatementObjects } from './adapters/statementObjects';
import { StatementsTable } from './adapters/statementsTable';
import { Acceptances } from './domain/acceptance';
import { Budget } from './domain/budget';
import { Reconciliations } from './domain/reconciliation';
import { SeparationReports } from './domain/separation';
import { StatementImports } from './domain/statement';

/**
 * The finance context wired to DynamoDB: one composition root shared by the HTTP handler, the S3
 * statement import and the `npm run reconcile` CLI, so all three run the same code. The only module
 * of the context that reads configuration and builds adapters.
 */
const statementsTable = () => new StatementsTable(documentClient(), tableName('Finance'));

export function financeContext() {
  const client = documentClient();
  const clock = theClock();
  const ledger = new LedgerTable(client, tableName('Ledger'));
  const statements = statementsTable();
  const runs = new ReconciliationsTable(client, tableName('Finance'), ledger);
  const budgets = new BudgetTable(client, tableName('Finance'), ledger);
  const journal = new LedgerJournal(client, ledger);
  // Other contexts' tables, read only through their published storage interfaces.
  const payments = new PaymentsDayReader(client, tableName('Payments'));
  const departments = new CatalogTable(client, tableName('Catalog'));
  const sign = (p: object) => theSigner('dayProof').sign(p);
  const reconciliations = new Reconciliations({ statements, runs, journal, payments, clock, sign });
  return {
    clock,
    statements,
    runs,
    budgets,
    journal,
    payments,
    statementImports: new StatementImports({ store: statements, clock }),
    reconciliations,
    acceptances: new Acceptances({
      idempotency: idempotencyTable(),
      clock,
      accept: (id, by) => reconciliations.accept(id, by),
    }),
    budget: new Budget({ store: budgets, departments, clock }),
    reports: new SeparationReports({ settlements: runs, journal }),
  };
}

/** The S3-triggered import: statements only (its function may touch the Finance table and the bucket, nothing else). */
export function statementImportContext() {
  const statements = statementsTable();
  return {
    statements,
    objects: new StatementObjects(),
    imports: new StatementImports({ store: statements, clock: theClock() }),
  };
}
