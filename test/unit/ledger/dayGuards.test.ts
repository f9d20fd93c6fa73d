import { describe, expect, it } from 'vitest';
import {
  DAY_GUARD_SHARDS,
  guardShardOf,
  LedgerTable,
  ledgerKeys,
} from '../../../functions/ledger/adapters/ledgerTable';
import { paymentId } from '../../../functions/shared/domain/ids';

/**
 * No hot day guard (ADR 0014): every posting condition-checks one guard of its day, so at 10,000
 * postings/s each guard's share must stay well under a partition's 1,000 WCU/s (2 WCU per check).
 */
describe('day guards', () => {
  it('spread postings evenly over all guards of the day, each under 1,000 WCU/s at 10,000 payments/s', () => {
    const n = 20_000;
    const perGuard = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const g = guardShardOf(`pay-${paymentId('2026-12-01', new Date(1_764_547_200_000 + i))}`);
      perGuard.set(g, (perGuard.get(g) ?? 0) + 1);
    }
    expect(perGuard.size).toBe(DAY_GUARD_SHARDS);
    const busiest = Math.max(...perGuard.values()) / n;
    expect(busiest).toBeLessThan(1.5 / DAY_GUARD_SHARDS);
    expect(busiest * 10_000 * 2).toBeLessThan(1_000);
  });

  it('a posting checks its own guard, which day close writes among all DAY_GUARD_SHARDS', () => {
    const ledger = new LedgerTable({ send: async () => ({}) } as never, 'Ledger');
    const tx = { id: 'pay-P1', businessDate: '2026-12-01' } as Parameters<LedgerTable['postTransactionItems']>[0];
    const [, guard] = ledger.postTransactionItems(tx);
    expect(guard?.ConditionCheck?.Key).toEqual(ledgerKeys.dayGuard('2026-12-01', guardShardOf('pay-P1')));
    expect(guardShardOf('pay-P1')).toBeLessThan(DAY_GUARD_SHARDS);
    // made on another day than the one it posts into: the check is there too
    expect(ledger.postTransactionItems(tx, '2026-12-02')[1]?.ConditionCheck?.Key).toEqual(guard?.ConditionCheck?.Key);
  });

  it('a posting into the day it is made on is the put alone, one item under its day shard', () => {
    const ledger = new LedgerTable({ send: async () => ({}) } as never, 'Ledger');
    const tx = { id: 'pay-P1', businessDate: '2026-12-01' } as Parameters<LedgerTable['postTransactionItems']>[0];
    const items = ledger.postTransactionItems(tx, '2026-12-01');
    expect(items).toHaveLength(1);
    expect(items[0]?.Put?.Item).toMatchObject(ledgerKeys.transaction('2026-12-01', 'pay-P1'));
    expect(Object.keys(items[0]?.Put?.Item ?? {}).filter((k) => k.startsWith('gsi'))).toEqual([]);
  });
});
