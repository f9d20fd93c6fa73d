import { paymentsContext } from '../payments';
import { config, perConfiguration } from '../shared/config';
import { cursorSealing, documentClient, idempotencyTable, rateLimitTable, tableName, theClock } from '../shared/wiring';
import { paymentProvider } from './adapters/provider';
import { OrdersTable } from './adapters/ordersTable';
import { PaymentOrders } from './domain/orders';

/** The orders context's composition root: its table, the provider (docs/adr/0015) and the payments use case. */
export const ordersTable = () =>
  new OrdersTable(documentClient(), { orders: tableName('Orders'), notices: tableName('Notices') });

const provider = perConfiguration((c) => paymentProvider(c.paymentProvider));

export function ordersContext() {
  const rateLimits = rateLimitTable();
  const { payments } = paymentsContext();
  const c = config();
  // The provider is looked up per call, so a configuration reload (the local stack's keys) applies.
  const current = {
    get name() {
      return provider().name;
    },
    get acknowledgement() {
      return provider().acknowledgement;
    },
    payUrl: (o: Parameters<ReturnType<typeof provider>['payUrl']>[0]) => provider().payUrl(o),
    query: (id: string) => provider().query(id),
    close: (id: string) => provider().close(id),
    refund: (r: { bankRef: string; refundId: string; amount: number }) => provider().refund(r),
    verifyNotification: (raw: string) => provider().verifyNotification(raw),
  };
  const orders = new PaymentOrders(
    ordersTable(),
    current,
    payments,
    (client) =>
      rateLimits.enforce({ scope: 'payment-order', client, limit: config().limits.paymentOrder, windowSeconds: 60 }),
    theClock(),
    c.paymentOrders,
    idempotencyTable(),
  );
  return { orders, cursors: cursorSealing };
}
