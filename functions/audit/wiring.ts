import { cursorSealing, documentClient, tableName, theClock, theSigner } from '../shared/wiring';
import { AuditTable } from './adapters/auditTable';
import { AuditTrail } from './domain/trail';

export const auditTable = () => new AuditTable(documentClient(), tableName('Audit'));

/** The audit trail's read side. Day roots are signed with the day-proof key (published at /v1/ledger/jwks.json). */
export function auditContext() {
  const signer = { sign: (p: object) => theSigner('dayProof').sign(p), jwks: () => theSigner('dayProof').jwks() };
  return { trail: new AuditTrail(auditTable(), signer, theClock()), cursors: cursorSealing };
}
