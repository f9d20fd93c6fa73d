/**
 * The payments context's published storage interface: its records by business day, for finance; all
 * of them, for the open-data rebuild; a payment's key, for the webhooks' read of a refunded payment.
 */
export { PaymentsDayReader } from './paymentsDayReader';
export { paymentKey } from './paymentKey';
