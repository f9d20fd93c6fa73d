import { onlineRefunds, orderSucceededItem } from '../orders/adapters';
import { config, perConfiguration } from '../shared/config';
import {
  cursorSealing,
  documentClient,
  idempotencyTable,
  rateLimitTable,
  tableName,
  theClock,
  theSigner,
} from '../shared/wiring';
import { PaymentsDayReader } from './adapters/paymentsDayReader';
import { PaymentsTable, type PaymentTables } from './adapters/paymentsTable';
import { Payments } from './domain/payments';
import { Receipts } from './domain/receipts';
import type { Principal } from '../shared/domain/principal';
import { windowDay, type WindowDayReader } from './domain/windowDay';
import type { LookupLimiter } from './ports';

/** The physical names of the tables the payments adapter writes. */
export const paymentTables = (): PaymentTables => ({
  payments: tableName('Payments'),
  receipts: tableName('Receipts'),
  notices: tableName('Notices'),
  ledger: tableName('Ledger'),
  idempotency: tableName('Idempotency'),
});

/** An online payment moves its order to `succeeded` in its own transaction (the table named when used). */
export const paymentsTable = () =>
  new PaymentsTable(documentClient(), paymentTables(), (orderId, p) =>
    orderSucceededItem(tableName('Orders'), orderId, p),
  );

/**
 * Per client (source IP) per minute; `RECEIPT_LOOKUP_LIMIT` / `ONLINE_PAYMENT_LIMIT` override. Read
 * on every call, so a configuration reload applies without rebuilding the context.
 */
const limits = {
  'receipt-lookup': () => config().limits.receiptLookup,
  'online-payment': () => config().limits.onlinePayment,
};

/** The payment provider that refunds online payments (docs/adr/0015), rebuilt when the configuration changes. */
const refunds = perConfiguration((c) => onlineRefunds(c.paymentProvider));

export function paymentsContext() {
  const rateLimits = rateLimitTable();
  const limiter: LookupLimiter = (scope, client) =>
    rateLimits.enforce({ scope, client, limit: limits[scope](), windowSeconds: 60 });
  // The signer is looked up per use: it is built on first use and rebuilt if its configuration changes.
  const keys = { sign: (p: object) => theSigner('receipt').sign(p), jwks: () => theSigner('receipt').jwks() };
  const store = paymentsTable();
  // The day index holds the payment items as stored (PaymentRecord with refundedTotal and lineRefunded).
  const dayReader = new PaymentsDayReader(documentClient(), tableName('Payments')) as unknown as WindowDayReader;
  return {
    payments: new Payments(store, idempotencyTable(), keys, limiter, theClock(), config().receiptIssuer, (r) =>
      refunds()(r),
    ),
    receipts: new Receipts(store, keys, limiter),
    /** The window-day route reads the day index finance reconciles with. */
    windowDay: (caller: Principal, windowId: string, date: string) => windowDay(dayReader, caller, windowId, date),
    cursors: cursorSealing,
  };
}
