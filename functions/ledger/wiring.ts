import { cursorSealing, documentClient, tableName, theClock, theSigner } from '../shared/wiring';
import { LedgerTable } from './adapters/ledgerTable';
import { LedgerQueries } from './domain/queries';

/** The ledger's table adapter; other contexts' wiring builds theirs through the published storage interface. */
export const ledgerTable = () => new LedgerTable(documentClient(), tableName('Ledger'));

export function ledgerContext() {
  // The signer (a KMS client when deployed) is built when a proof is first verified, not at cold start.
  const keys = { jwks: () => theSigner('dayProof').jwks() };
  return { queries: new LedgerQueries(ledgerTable(), keys, theClock()), cursors: cursorSealing };
}
