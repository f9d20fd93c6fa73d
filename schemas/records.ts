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

/** Payments table item `PDAY#<businessDate>#<shard>` / `PAY#<paymentId>` (plus the table's key attributes). */
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
const paymentDayShard = (date: string, shard: number) => `PDAY#${date}#${shard2(shard)}`;

/**
 * Key layout of the Payments table: the payments context writes it, finance reads it by business
 * date. A day is spread over DAY_SHARDS partitions (no hot key), the shard from the id's hash
 * (functions/ledger/adapters `shardOf`, passed in: this module stays data).
 * - a payment is filed under its day, pk `PDAY#<date>#<shard>`, sk `PAY#<paymentId>`: the id carries
 *   its day and sorts as payments were made, so a day is read in order by key, and a payment written
 *   with no index entry (issue 10, third round; before it, pk `PAY#<paymentId>` with a gsi1 entry);
 * - a refund: pk `PAY#<paymentId>`, sk `REFUND#<refundId>`; gsi1 `RDAY#<date>#<shard>` (refunds are few).
 */
export const paymentsTableKeys = {
  payment: (paymentId: string, businessDate: string, shard: number) => ({
    pk: paymentDayShard(businessDate, shard),
    sk: `PAY#${paymentId}`,
  }),
  refund: (paymentId: string, refundId: string) => ({ pk: `PAY#${paymentId}`, sk: `REFUND#${refundId}` }),
  paymentDayShard,
  refundDayShard: (date: string, shard: number) => `RDAY#${date}#${shard2(shard)}`,
};
