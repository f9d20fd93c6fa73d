/** The ledger's published storage interface: for other contexts' adapters that post into the journal. */
export { DAY_GUARD_OFFSET, DAY_GUARD_SHARDS, DAY_SHARDS, LedgerTable, ledgerKeys, shardOf } from './ledgerTable';
