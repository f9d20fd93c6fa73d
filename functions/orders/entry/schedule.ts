import { log } from '../../shared/adapters/log';
import { ordersContext } from '../wiring';

/**
 * The sweep of open payment orders (EventBridge rule from ORDER_SWEEP_SCHEDULE; locally
 * infra/local/scheduler.ts): every `created` order asks the provider, so a missing notification is
 * not a lost payment, and an order past its end is closed at the provider and its notices released.
 */
let context: ReturnType<typeof ordersContext> | undefined;

export const handler = async (): Promise<{ examined: number }> => {
  context ??= ordersContext();
  const r = await context.orders.sweep();
  log('info', 'payment orders swept', r);
  return r;
};
