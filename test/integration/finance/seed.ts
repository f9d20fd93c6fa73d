import { batchWriteAll } from '../../../functions/shared/adapters/dynamo';
import { tableName } from '../../../functions/shared/wiring';
import { paymentsTableKeys } from '../../../schemas/records';

const { refundDayShard } = paymentsTableKeys;
import { documentClient as ddb } from '../../../functions/shared/wiring';
import type { LedgerTransaction } from '../../../functions/ledger/domain/ledger';
import { shardOf } from '../../../functions/ledger/adapters';
import { paymentKey } from '../../../functions/payments/adapters';
import { ledgerTable } from '../../../functions/ledger/wiring';

const postTransactionItems = (tx: LedgerTransaction) => ledgerTable().postTransactionItems(tx);
const registerBusinessDay = (date: string) => ledgerTable().registerBusinessDay(date);
import type { PaymentRecord } from '../../../schemas/records';
import { paymentTransaction, refundTransaction } from '../../unit/finance/dayFixtures';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';

/**
 * Seeds a business day the way the payments context stores it (PaymentRecord items in the Payments
 * table, keys as functions/payments/adapters/paymentsTable.ts writes them, and their ledger transactions), without
 * going through notices and payments: finance only reads these records.
 */
const batchPut = (table: string, items: Record<string, unknown>[]) =>
  batchWriteAll(
    ddb(),
    table,
    items.map((Item) => ({ PutRequest: { Item } })),
    { concurrency: 8 },
  );

export const paymentItem = (p: PaymentRecord) => ({
  ...paymentKey(p.paymentId, p.businessDate),
  ...p,
  refundedTotal: 0,
});

/** The ledger item exactly as postTransactionItems would put it (seeding skips the guard check). */
export const ledgerItem = (tx: LedgerTransaction) => postTransactionItems(tx)[0]!.Put!.Item as Record<string, unknown>;

export async function seedPayments(payments: readonly PaymentRecord[]): Promise<void> {
  for (const d of new Set(payments.map((p) => p.businessDate))) await registerBusinessDay(d);
  await batchPut(tableName('Payments'), payments.map(paymentItem));
  await batchPut(
    tableName('Ledger'),
    payments.map((p) => ledgerItem(paymentTransaction(p))),
  );
}

/** A refund as the payments context commits it: RefundRecord (gsi1 `RDAY#`) and its ledger transaction, atomically. */
export async function seedRefund(
  p: PaymentRecord,
  refundId: string,
  amount: number,
  businessDate: string,
): Promise<void> {
  const tx = refundTransaction(p, refundId, amount, businessDate);
  await registerBusinessDay(businessDate);
  await ddb().send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: tableName('Payments'),
            Item: {
              pk: `PAY#${p.paymentId}`,
              sk: `REFUND#${refundId}`,
              gsi1pk: refundDayShard(businessDate, shardOf(refundId)),
              gsi1sk: `${tx.createdAt}#${refundId}`,
              recordType: 'refund',
              refundId,
              paymentId: p.paymentId,
              channel: p.channel,
              amount,
              refundedAt: tx.createdAt,
              businessDate,
              receiptNo: `RR${refundId}`,
              lines: [{ departmentId: p.lines[0]!.departmentId, feeCode: p.lines[0]!.feeCode, amount }],
            },
          },
        },
        ...postTransactionItems(tx),
      ],
    }),
  );
}
