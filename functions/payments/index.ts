/**
 * The payments context's published interface: the use case that records the one payment of a
 * provider-confirmed online payment order (`Payments.payOnline`), for the orders context, and its
 * composition root for that context's wiring.
 */
export type { OnlinePayment, OnlineRefunds } from './ports';
export type { Payments } from './domain/payments';
export { paymentsContext } from './wiring';
