import { describePaymentStoreContract } from '../../contracts/paymentStore.contract';
import { MemoryWorld } from './memoryWorld';

describePaymentStoreContract('MemoryWorld', () => {
  const world = new MemoryWorld();
  return {
    store: world,
    idempotency: world,
    seedNotice: async (n) => void (await world.create(n)),
    closeDay: async (date) => void world.closedDays.add(date),
    ledgerTransaction: async (_date, id) => structuredClone(world.ledger.get(id)),
    isDayRegistered: async (date) => world.days.has(date),
  };
});
