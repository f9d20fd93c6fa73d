/**
 * Stored records that cross bounded contexts. The payments context writes them; finance
 * (reconciliation) reads them from the Payments table, and the open-data aggregator receives them on
 * the Payments table's stream. They carry NO personal data: no payer name, ID number or phone.
 */
export type Channel = 'cash' | 'card' | 'transfer' | 'online';
export const CHANNELS: readonly Channel[] = ['cash', 'card', 'transfer', 'online'];

export interface PaymentLineRecord {
  noticeNo: string;
  departmentId: string;
  feeCode: string;
  feeVersion: number;
  quantity: number;
  amount: number;
  /** When the notice was issued: the open-data notice-to-payment time needs it. */
  noticeIssuedAt: string;
}

/** Payments table item `PAY#<paymentId>` / `PAY` (plus the table's key attributes). */
export interface PaymentRecord {
  recordType: 'payment';
  paymentId: string;
  noticeNos: string[];
  channel: Channel;
  amount: number;
  bankRef: string | null;
  windowId: string | null;
  paidAt: string;
  businessDate: string;
  receiptNo: string;
  lines: PaymentLineRecord[];
}

/** Payments table item `PAY#<paymentId>` / `REFUND#<refundId>`. */
export interface RefundRecord {
  recordType: 'refund';
  refundId: string;
  paymentId: string;
  channel: Channel;
  amount: number;
  refundedAt: string;
  businessDate: string;
  receiptNo: string;
  /** How the refunded amount splits over the payment's lines (department, fee item). */
  lines: { departmentId: string; feeCode: string; amount: number }[];
}

const shard2 = (shard: number) => String(shard).padStart(2, '0');

/**
 * Key layout of the Payments table: the payments context writes it, finance reads it by business
 * date. gsi1 spreads a day over DAY_SHARDS partitions (no hot key).
 */
export const paymentsTableKeys = {
  payment: (paymentId: string) => ({ pk: `PAY#${paymentId}`, sk: 'PAY' }),
  refund: (paymentId: string, refundId: string) => ({ pk: `PAY#${paymentId}`, sk: `REFUND#${refundId}` }),
  paymentDayShard: (date: string, shard: number) => `PDAY#${date}#${shard2(shard)}`,
  refundDayShard: (date: string, shard: number) => `RDAY#${date}#${shard2(shard)}`,
};
