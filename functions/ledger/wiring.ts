import { documentClient, tableName, theClock, theSigner } from '../shared/wiring';
import { LedgerTable } from './adapters/ledgerTable';
import { LedgerQueries } from './domain/queries';

/** The ledger's table adapter; other contexts' wiring builds theirs through the published storage interface. */
export const ledgerTable = () => new LedgerTable(documentClient(), tableName('Ledger'));

export function ledgerContext() {
  return { queries: new LedgerQueries(ledgerTable(), theSigner(), theClock()) };
}
