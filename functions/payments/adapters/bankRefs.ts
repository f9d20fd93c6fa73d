import type { TransactItem } from '../../shared/adapters/dynamo';

/**
 * A bank reference (a card slip's, a transfer's, an online trade number) belongs to one payment on
 * its channel: the bank's transaction is recorded once. The claim is an item of the Idempotency table,
 * whose purpose it shares (something happens once), with no expiry: `BANKREF#<channel>#<bankRef>` /
 * `BANKREF`, `paymentId`, put if new in the payment's transaction. Request records there are
 * `IDEM#…`, so the two never meet.
 *
 * Why there (issue 10, third round): every table takes at most 4 write units per payment, what its
 * default 40,000 WRU/s allows at 10,000 payments per second. In the Receipts table, next to the
 * receipt, it made that table exactly 4 plus the receipt keys' certificates; in the Idempotency
 * table, next to the request's record (2), it makes 4.
 */
export const bankRefKey = (channel: string, bankRef: string) => ({
  pk: `BANKREF#${channel}#${bankRef}`,
  sk: 'BANKREF',
});

/** The entry that makes `bankRef` this payment's own on its channel (fails if another payment has it). */
export function bankRefClaim(
  table: string,
  ref: { channel: string; bankRef: string },
  paymentId: string,
): TransactItem {
  return {
    Put: {
      TableName: table,
      Item: { ...bankRefKey(ref.channel, ref.bankRef), paymentId },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}
