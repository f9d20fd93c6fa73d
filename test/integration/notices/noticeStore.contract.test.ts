import { describe, expect, it } from 'vitest';
import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { NoticesForPayments } from '../../../functions/notices/adapters';
import { NoticesTable } from '../../../functions/notices/adapters/noticesTable';
import { DomainError } from '../../../functions/shared/domain/errors';
import { documentClient, tableName } from '../../../functions/shared/wiring';
import { uniq } from '../../support/api';
import { describeNoticeStoreContract, noticeRecord } from '../../contracts/noticeStore.contract';

/** The Notices table adapter against DynamoDB Local. */
const table = () => new NoticesTable(documentClient(), tableName('Notices'));

describeNoticeStoreContract('NoticesTable', table);

describe('NoticesTable', () => {
  it('refuses a cursor it did not issue as bad input (validation-failed), not a server error', async () => {
    const store = table();
    const dept = `D${uniq()}`;
    await store.create(noticeRecord(dept, '2026-01-15'));
    await expect(
      store.list({ departmentId: dept, from: '2026-01-01', to: '2026-02-01', limit: 2, after: { k: { pk: 1 } } }),
    ).rejects.toBeInstanceOf(DomainError);
  });

  it('a payment changes no index entry (keys only), and lists show the notice paid (issue 10)', async () => {
    const store = table();
    const dept = `D${uniq()}`;
    const n = noticeRecord(dept, '2026-01-15');
    await store.create(n);
    const shardEntries = await Promise.all(
      Array.from({ length: 32 }, (_, s) =>
        documentClient().send(
          new QueryCommand({
            TableName: tableName('Notices'),
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :p',
            ExpressionAttributeValues: { ':p': `NDEPT#${dept}#${String(s).padStart(2, '0')}` },
          }),
        ),
      ),
    );
    const [entry] = shardEntries.flatMap((r) => r.Items ?? []);
    // The entry holds the keys only: nothing a payment, a hold or a cancellation changes.
    expect(Object.keys(entry!).sort()).toEqual(['gsi1pk', 'gsi1sk', 'pk', 'sk']);
    const pay = new NoticesForPayments(documentClient(), tableName('Notices')).markPaidItem(n.noticeNo, {
      paymentId: 'P1',
      paidAt: '2026-01-16T02:00:00.000Z',
      today: '2026-01-16',
    });
    await documentClient().send(new TransactWriteCommand({ TransactItems: [pay] }));
    const page = await store.list({ departmentId: dept, from: '2026-01-01', to: '2026-02-01', limit: 5 });
    expect(page.items.map((i) => [i.noticeNo, i.status])).toEqual([[n.noticeNo, 'paid']]);
    const month = await store.list({ from: '2026-01-15', to: '2026-01-15', limit: 500 });
    expect(month.items.find((i) => i.noticeNo === n.noticeNo)?.status).toBe('paid');
  });
});
