/** The payments context's published storage interface: its records by business day, for finance; all of them, for the open-data rebuild. */
export { PaymentsDayReader } from './paymentsDayReader';
