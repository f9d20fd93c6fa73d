import { describe, expect, it } from 'vitest';
import type { NoticeRecord, NoticeStore } from '../../functions/notices/ports';
import { documentNumber } from '../../functions/shared/domain/ids';
import { uniq } from '../support/api';

/** A notice issued on business date `date` (02:00Z is 10:00 in Beijing: the same business day). */
export function noticeRecord(departmentId: string, date: string, time = '02:00:00.000Z'): NoticeRecord {
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

/** Every item of a listing, following `next` page by page. */
async function drain(store: NoticeStore, departmentId: string | undefined, from: string, to: string, limit = 2) {
  const out: NoticeRecord[] = [];
  let after: Record<string, unknown> | undefined;
  do {
    const page = await store.list({ departmentId, from, to, limit, after });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    out.push(...page.items);
    after = page.next;
  } while (after);
  return out;
}

/**
 * What the notices domain relies on from a NoticeStore, whichever stores it: the in-memory world of
 * the unit tests and the Notices table adapter. Each test uses its own department (the DynamoDB run
 * shares one table), so finance's all-department listings are filtered to it.
 */
export function describeNoticeStoreContract(name: string, makeStore: () => NoticeStore | Promise<NoticeStore>) {
  describe(`${name} (NoticeStore contract)`, () => {
    it('reads back a created notice as it was written; an unknown number reads as undefined', async () => {
      const store = await makeStore();
      const n = noticeRecord(`D${uniq()}`, '2026-03-02');
      expect(await store.create(n)).toBe(true);
      expect(await store.get(n.noticeNo)).toEqual(n);
      expect(await store.get(documentNumber('2026-03-02'))).toBeUndefined();
    });

    it('refuses a second notice under a taken number (the caller draws again)', async () => {
      const store = await makeStore();
      const n = noticeRecord(`D${uniq()}`, '2026-03-02');
      expect(await store.create(n)).toBe(true);
      expect(await store.create({ ...n, checkCode: 'OTHER123' })).toBe(false);
      expect((await store.get(n.noticeNo))?.checkCode).toBe('ABCDEFGH');
    });

    it('pages a department’s notices and finance’s month partitions newest first, across months, without gaps or repeats', async () => {
      const store = await makeStore();
      const dept = `D${uniq()}`;
      const dates = ['2025-12-30', '2026-01-02', '2026-01-15', '2026-01-31', '2026-02-01', '2026-02-27'];
      const made = [];
      for (const d of dates) {
        const n = noticeRecord(dept, d);
        await store.create(n);
        made.push(n);
      }
      const expected = [...made].reverse().map((n) => n.noticeNo);
      expect((await drain(store, dept, '2025-12-01', '2026-02-28')).map((n) => n.noticeNo)).toEqual(expected);
      const all = (await drain(store, undefined, '2025-12-30', '2026-02-27')).filter((n) => n.departmentId === dept);
      expect(all.map((n) => n.noticeNo)).toEqual(expected);
      expect((await drain(store, dept, '2026-01-02', '2026-01-31')).map((n) => n.noticeNo)).toEqual(
        expected.slice(2, 5),
      );
    });

    it('orders notices of one day by issue time, newest first, and lists only the department asked for', async () => {
      const store = await makeStore();
      const dept = `D${uniq()}`;
      const early = noticeRecord(dept, '2026-04-10', '01:00:00.000Z');
      const late = noticeRecord(dept, '2026-04-10', '09:30:00.000Z');
      const other = noticeRecord(`D${uniq()}`, '2026-04-10', '05:00:00.000Z');
      for (const n of [late, other, early]) await store.create(n);
      expect((await drain(store, dept, '2026-04-10', '2026-04-10', 10)).map((n) => n.noticeNo)).toEqual([
        late.noticeNo,
        early.noticeNo,
      ]);
    });

    it('cancels only an issued notice', async () => {
      const store = await makeStore();
      const n = noticeRecord(`D${uniq()}`, '2026-03-02');
      await store.create(n);
      expect(await store.cancel(n.noticeNo, '2026-03-02T03:00:00.000Z', 'dup')).toBe(true);
      expect(await store.cancel(n.noticeNo, '2026-03-02T03:00:00.000Z', 'dup')).toBe(false);
      expect(await store.get(n.noticeNo)).toMatchObject({ status: 'cancelled', cancelReason: 'dup' });
    });

    it('refuses to cancel a paid notice or one that does not exist', async () => {
      const store = await makeStore();
      const paid: NoticeRecord = {
        ...noticeRecord(`D${uniq()}`, '2026-03-02'),
        status: 'paid',
        paymentId: 'P1',
        paidAt: '2026-03-02T02:30:00.000Z',
      };
      await store.create(paid);
      expect(await store.cancel(paid.noticeNo, '2026-03-02T03:00:00.000Z', 'late')).toBe(false);
      expect(await store.get(paid.noticeNo)).toEqual(paid);
      expect(await store.cancel(documentNumber('2026-03-02'), '2026-03-02T03:00:00.000Z', 'none')).toBe(false);
    });
  });
}
