/** The payments context's published storage interface: its records by business day, for finance. */
export { PaymentsDayReader } from './paymentsDayReader';
