import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import { DAY_GUARD_SHARDS, ledgerKeys } from '../../../functions/ledger/adapters';
import { ledgerTable } from '../../../functions/ledger/wiring';
import { NoticesTable } from '../../../functions/notices/adapters/noticesTable';
import { PaymentsTable } from '../../../functions/payments/adapters/paymentsTable';
import { paymentTables } from '../../../functions/payments/wiring';
import { documentClient, idempotencyTable, tableName } from '../../../functions/shared/wiring';
import { describePaymentStoreContract } from '../../contracts/paymentStore.contract';

describePaymentStoreContract('PaymentsTable on DynamoDB Local', () => {
  const client = documentClient();
  const notices = new NoticesTable(client, tableName('Notices'));
  const ledger = ledgerTable();
  return {
    store: new PaymentsTable(client, paymentTables()),
    idempotency: idempotencyTable(),
    seedNotice: async (n) => expect(await notices.create(n)).toBe(true),
    // as finance's day close does: every shard's guard, so no posting into the day can commit
    closeDay: async (date) => {
      for (let shard = 0; shard < DAY_GUARD_SHARDS; shard++)
        await client.send(
          new PutCommand({
            TableName: tableName('Ledger'),
            Item: { ...ledgerKeys.dayGuard(date, shard), closedAt: 'contract' },
          }),
        );
    },
    ledgerTransaction: (businessDate, id) => ledger.getTransaction(businessDate, id),
    isDayRegistered: async (date) => (await ledger.businessDays(date)).includes(date),
  };
});
