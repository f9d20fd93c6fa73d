import { describe, expect, it } from 'vitest';
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
});
