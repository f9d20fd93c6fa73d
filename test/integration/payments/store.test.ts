import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../functions/catalog/domain/catalog';
import { CatalogTable } from '../../../functions/catalog/adapters/catalogTable';
import { Notices } from '../../../functions/notices/domain/notices';
import { NoticesTable } from '../../../functions/notices/adapters/noticesTable';
import { Payments } from '../../../functions/payments/domain/payments';
import { PaymentsTable } from '../../../functions/payments/adapters/paymentsTable';
import { paymentTables, paymentsTable } from '../../../functions/payments/wiring';
import type { Principal } from '../../../functions/shared/domain/principal';
import { documentClient as ddb } from '../../../functions/shared/wiring';
import { ledgerKeys } from '../../../functions/ledger/adapters/ledgerTable';
import { IdempotencyTable } from '../../../functions/shared/adapters/idempotencyTable';
import { clockAt } from '../../../functions/shared/domain/clock';
import { tableName, theClock, theSigner } from '../../../functions/shared/wiring';
import { uniq } from '../../support/api';
import { FaultyClient } from './faultyClient';

/**
 * The payments adapter's cancellation-reason mapping against DynamoDB Local, on a business day of
 * its own far in the future (so closing it touches no other test).
 */
const clerk: Principal = { role: 'clerk', sub: 'clerk:W05', window: 'W05' };
const day = `2099-0${1 + Math.floor(Math.random() * 9)}-1${Math.floor(Math.random() * 9)}`;
const clock = () => new Date(`${day}T03:00:00.000Z`);
let dept: Principal;
let fee: string;
const notices = new Notices(
  new NoticesTable(ddb(), tableName('Notices')),
  (code) => new CatalogTable(ddb(), tableName('Catalog')).listVersions(code),
  async () => undefined,
  clockAt(clock),
);

beforeAll(async () => {
  const id = `S${uniq()}`;
  fee = `SF-${uniq()}`;
  const catalog = new Catalog(new CatalogTable(ddb(), tableName('Catalog')), theClock());
  await catalog.createDepartment({ id, name: '文旅局' });
  await catalog.createFeeItem({
    code: fee,
    departmentId: id,
    name: '门票',
    category: 'other',
    legalBasis: 'x',
    approvedBy: 'y',
    pricing: { kind: 'fixed', amount: 300 },
  });
  dept = { role: 'department', sub: id, dept: id };
});

describe('PaymentsTable', () => {
  it('a payment posts into the day it is made on: its one transaction checks no day guard', async () => {
    const n = await notices.issue(dept, {
      payer: { name: '甲', idType: 'other', idNumber: '1' },
      lines: [{ feeCode: fee }],
    });
    const client = new FaultyClient();
    const payments = new Payments(
      new PaymentsTable(client, paymentTables()),
      new IdempotencyTable(client, tableName('Idempotency')),
      theSigner('receipt'),
      async () => undefined,
      clockAt(clock),
    );
    const res = await payments.pay(clerk, { noticeNos: [n.noticeNo], channel: 'cash', amount: 300 }, randomUUID());
    const paid = res.body as { paymentId: string; businessDate: string };
    expect([res.status, paid.businessDate]).toEqual([201, day]);
    const tx = client.calls.find((c) => c.name === 'TransactWriteCommand')!;
    const ledgerItems = tx.input.TransactItems.filter(
      (i: any) => (i.Put ?? i.ConditionCheck)?.TableName === tableName('Ledger'),
    );
    // the posting alone: the day's close waits SAME_DAY_POSTING_GRACE_MS instead (ledger/domain/closing.ts)
    expect(ledgerItems).toHaveLength(1);
    expect(ledgerItems[0].Put.Item.pk).toBe(ledgerKeys.transaction(day, `pay-${paid.paymentId}`).pk);
  });

  it('maps a notice that expired between read and commit to 409 notice-expired', async () => {
    const n = await notices.issue(dept, {
      payer: { name: '乙', idType: 'other', idNumber: '1' },
      lines: [{ feeCode: fee }],
      dueDate: day,
    });
    const store = paymentsTable();
    const today = `${day.slice(0, 8)}${String(Number(day.slice(8)) + 1).padStart(2, '0')}`;
    // the commit sees tomorrow: the notice's due date has passed by then
    const payment = {
      recordType: 'payment' as const,
      paymentId: `P${uniq()}`,
      noticeNos: [n.noticeNo],
      channel: 'cash' as const,
      amount: 300,
      bankRef: null,
      windowId: 'W05',
      paidAt: clock().toISOString(),
      businessDate: today,
      receiptNo: '0',
      lines: [],
      refundedTotal: 0,
      lineRefunded: [],
    };
    await expect(
      store.commitPayment({
        token: randomUUID(),
        today,
        noticeNos: [n.noticeNo],
        payment,
        ledger: {
          id: `pay-${payment.paymentId}`,
          kind: 'payment',
          ref: payment.paymentId,
          businessDate: today,
          createdAt: payment.paidAt,
          postings: [],
          hash: '',
        },
        receipt: { receiptNo: `R${uniq()}` } as never,
        idempotency: {
          claim: { id: `IDEM#test#${uniq()}`, owner: payment.paymentId },
          response: { status: 201, body: {} },
        },
        nowMs: Date.now(),
      }),
    ).rejects.toMatchObject({ type: 'notice-expired' });
  });
});
