import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../../functions/shared/wiring';
import { documentClient as ddb } from '../../../functions/shared/wiring';
import type { PaymentRecord, RefundRecord } from '../../../schemas/records';

/** Writes records into the Payments table as the payments context lays them out: the real stream source. */
export async function writePaymentsTable(records: (PaymentRecord | RefundRecord)[]): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < records.length; i += 16)
    await Promise.all(
      records.slice(i, i + 16).map(async (r) => {
        const key =
          r.recordType === 'payment'
            ? { pk: `PAY#${r.paymentId}`, sk: 'PAY' }
            : { pk: `PAY#${r.paymentId}`, sk: `REFUND#${r.refundId}` };
        await ddb().send(new PutCommand({ TableName: tableName('Payments'), Item: { ...key, ...r } }));
        keys.push(r.recordType === 'payment' ? `PAY#${r.paymentId}` : `REFUND#${r.refundId}`);
      }),
    );
  return keys;
}

/** Another item type on the Payments table (bank reference uniqueness) that the aggregator must ignore. */
export async function writeBankRefItem(channel: string, bankRef: string, paymentId: string): Promise<void> {
  await ddb().send(
    new PutCommand({
      TableName: tableName('Payments'),
      Item: { pk: `BANKREF#${channel}#${bankRef}`, sk: 'BANKREF', paymentId },
    }),
  );
}
