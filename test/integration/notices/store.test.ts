import { describe, expect, it } from 'vitest';
import { NoticesTable } from '../../../functions/notices/adapters/noticesTable';
import type { NoticeRecord } from '../../../functions/notices/ports';
import { DomainError } from '../../../functions/shared/domain/errors';
import { documentNumber } from '../../../functions/shared/domain/ids';
import { documentClient, tableName } from '../../../functions/shared/wiring';
import { uniq } from '../../support/api';

/** The Notices table adapter against DynamoDB Local. */
const store = new NoticesTable(documentClient(), tableName('Notices'));

function record(departmentId: string, date: string, time = '02:00:00.000Z'): NoticeRecord {
  return {
    noticeNo: documentNumber(date),
    checkCode: 'ABCDEFGH',
    departmentId,
    payer: { name: '张三', idType: 'other', idNumber: 'X1' },
    lines: [{ feeCode: 'A-1', feeVersion: 1, name: 'a', quantity: 1, unitAmount: 100, amount: 100 }],
    total: 100,
    currency: 'CNY',
    status: 'issued',
    issuedAt: `${date}T${time}`,
    dueDate: '2099-01-01',
  };
}

describe('NoticesTable', () => {
  it('refuses a second notice under a taken number (the caller draws again)', async () => {
    const n = record(`D${uniq()}`, '2026-03-02');
    expect(await store.create(n)).toBe(true);
    expect(await store.create({ ...n, checkCode: 'OTHER123' })).toBe(false);
    expect((await store.get(n.noticeNo))?.checkCode).toBe('ABCDEFGH');
  });

  it('pages a department’s notices and finance’s month partitions newest first, across months, without gaps or repeats', async () => {
    const dept = `D${uniq()}`;
    const dates = ['2025-12-30', '2026-01-02', '2026-01-15', '2026-01-31', '2026-02-01', '2026-02-27'];
    const made = [];
    for (const d of dates) {
      const n = record(dept, d);
      await store.create(n);
      made.push(n);
    }
    const expected = [...made].reverse().map((n) => n.noticeNo);
    const drain = async (departmentId: string | undefined, from: string, to: string) => {
      const out: NoticeRecord[] = [];
      let after: Record<string, unknown> | undefined;
      do {
        const page = await store.list({ departmentId, from, to, limit: 2, after });
        out.push(...page.items);
        after = page.next;
      } while (after);
      return out;
    };
    expect((await drain(dept, '2025-12-01', '2026-02-28')).map((n) => n.noticeNo)).toEqual(expected);
    const all = (await drain(undefined, '2025-12-30', '2026-02-27')).filter((n) => n.departmentId === dept);
    expect(all.map((n) => n.noticeNo)).toEqual(expected);
    expect((await drain(dept, '2026-01-02', '2026-01-31')).map((n) => n.noticeNo)).toEqual(expected.slice(2, 5));
    await expect(store.list({ departmentId: dept, from: '2026-01-01', to: '2026-02-01', limit: 2, after: { k: { pk: 1 } } })).rejects.toBeInstanceOf(DomainError);
  });

  it('cancels only an issued notice', async () => {
    const n = record(`D${uniq()}`, '2026-03-02');
    await store.create(n);
    expect(await store.cancel(n.noticeNo, '2026-03-02T03:00:00.000Z', 'dup')).toBe(true);
    expect(await store.cancel(n.noticeNo, '2026-03-02T03:00:00.000Z', 'dup')).toBe(false);
    expect(await store.get(n.noticeNo)).toMatchObject({ status: 'cancelled', cancelReason: 'dup' });
  });
});
