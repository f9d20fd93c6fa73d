import { theClock, theSigner } from '../shared/wiring';
import { Budget } from './domain/budget';
import type { Clock } from './ports';
import { Reconciliations } from './domain/reconciliation';
import { SeparationReports } from './domain/separation';
import { DynamoFinanceStore, DynamoJournal, DynamoPaymentsReader } from './adapters/financeTable';

/**
 * The finance context wired to DynamoDB: one composition root shared by the HTTP handler, the S3
 * statement import and the `npm run reconcile` CLI, so all three run the same code.
 */
export const systemClock: Clock = theClock();

export function financeContext() {
  const store = new DynamoFinanceStore();
  const journal = new DynamoJournal();
  const payments = new DynamoPaymentsReader();
  return {
    store,
    journal,
    payments,
    reconciliations: new Reconciliations({ store, journal, payments, clock: systemClock, sign: (p) => theSigner().sign(p) }),
    budget: new Budget({ store, clock: systemClock }),
    reports: new SeparationReports({ store, journal }),
  };
}
