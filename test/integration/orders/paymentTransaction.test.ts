import { beforeAll, describe, expect, it } from 'vitest';
import { CatalogTable } from '../../../functions/catalog/adapters/catalogTable';
import { Catalog } from '../../../functions/catalog/domain/catalog';
import { NoticesTable } from '../../../functions/notices/adapters/noticesTable';
import { Notices } from '../../../functions/notices/domain/notices';
import { newOrderId, tokenHashOf } from '../../../functions/orders/domain/rules';
import type { OrderRecord } from '../../../functions/orders/ports';
import { ordersTable } from '../../../functions/orders/wiring';
import { paymentsContext } from '../../../functions/payments/wiring';
import type { Principal } from '../../../functions/shared/domain/principal';
import { documentClient as ddb, tableName, theClock } from '../../../functions/shared/wiring';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { uniq } from '../../support/api';

/**
 * An online payment moves its order to `succeeded` inside the payment's one transaction (ADR 0015):
 * no separate write, and an order that is no longer payable stops the payment whole.
 */
let dept: Principal;
let fee: string;
const clock = theClock();
const notices = new Notices(
  new NoticesTable(ddb(), tableName('Notices')),
  (code) => new CatalogTable(ddb(), tableName('Catalog')).listVersions(code),
  async () => undefined,
  clock,
);

beforeAll(async () => {
  const id = `T${uniq()}`;
  fee = `TF-${uniq()}`;
  const catalog = new Catalog(new CatalogTable(ddb(), tableName('Catalog')), clock);
  await catalog.createDepartment({ id, name: '交通局' });
  await catalog.createFeeItem({
    code: fee,
    departmentId: id,
    name: '牌证费',
    category: 'other',
    legalBasis: 'x',
    approvedBy: 'y',
    pricing: { kind: 'fixed', amount: 500 },
  });
  dept = { role: 'department', sub: id, dept: id };
});

async function heldOrder(status: OrderRecord['status']) {
  const n = await notices.issue(dept, {
    payer: { name: '乙', idType: 'other', idNumber: '2' },
    lines: [{ feeCode: fee }],
  });
  const now = clock.now();
  const order: OrderRecord = {
    orderId: newOrderId(clock.today()),
    tokenHash: tokenHashOf('t'),
    status,
    noticeNos: [n.noticeNo],
    amount: 500,
    provider: 'alipay',
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 600_000).toISOString(),
    updatedAt: now.toISOString(),
  };
  expect(await ordersTable().createWithHolds(order, clock.today())).toBe(true);
  return order;
}

const rawOrder = async (orderId: string) =>
  (await ddb().send(new GetCommand({ TableName: tableName('Orders'), Key: { pk: `ORDER#${orderId}`, sk: 'ORDER' } })))
    .Item;

describe('an online payment’s transaction', () => {
  it('moves its order to succeeded, off the sweep’s index, in the same write', async () => {
    const order = await heldOrder('created');
    const { payments } = paymentsContext();
    const p = await payments.payOnline({ ...order, bankRef: `T${uniq()}` });
    expect(p.replayed).toBe(false);
    const stored = await rawOrder(order.orderId);
    expect(stored).toMatchObject({ status: 'succeeded', paymentId: p.paymentId, receiptNo: p.receipt.receiptNo });
    expect(stored?.gsi1pk).toBeUndefined();
    expect((await payments.payOnline({ ...order, bankRef: p.bankRef! })).replayed).toBe(true);
  });

  it('makes no payment for an order that is no longer payable: order-not-payable, the notice still issued', async () => {
    const order = await heldOrder('anomalous');
    const { payments } = paymentsContext();
    await expect(payments.payOnline({ ...order, bankRef: `T${uniq()}` })).rejects.toMatchObject({
      type: 'order-not-payable',
    });
    const [n] = (await ordersTable().getNotices(order.noticeNos)).values();
    expect(n?.status).toBe('issued');
    expect((await rawOrder(order.orderId))?.status).toBe('anomalous');
  });
});
