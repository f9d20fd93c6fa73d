import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../functions/catalog/domain/catalog';
import { CatalogTable } from '../../../functions/catalog/adapters/catalogTable';
import { Notices } from '../../../functions/notices/domain/notices';
import { NoticesTable, noticeKey } from '../../../functions/notices/adapters/noticesTable';
import { Payments } from '../../../functions/payments/domain/payments';
import { PaymentsTable, paymentKeys } from '../../../functions/payments/adapters/paymentsTable';
import { paymentTables } from '../../../functions/payments/wiring';
import type { Principal } from '../../../functions/shared/domain/principal';
import { documentClient as ddb } from '../../../functions/shared/wiring';
import { idempotencyRecordId, LEASE_MS } from '../../../functions/shared/domain/idempotency';
import { ledgerKeys } from '../../../functions/ledger/adapters/ledgerTable';
import { IdempotencyTable } from '../../../functions/shared/adapters/idempotencyTable';
import { clockAt } from '../../../functions/shared/domain/clock';
import { tableName, theClock, theSigner } from '../../../functions/shared/wiring';
import { uniq } from '../../support/api';
import { FaultyClient } from './faultyClient';

/**
 * A DynamoDB failure injected at each call of a payment (and of a refund), before or after DynamoDB
 * applied it, leaves either the whole payment or nothing; a retry under the same key then ends with
 * exactly one payment.
 */
const clerk: Principal = { role: 'clerk', sub: 'clerk:W09', window: 'W09' };
const finance: Principal = { role: 'finance', sub: 'finance' };
let fee: string;
let dept: Principal;
const notices = new Notices(
  new NoticesTable(ddb(), tableName('Notices')),
  (code) => new CatalogTable(ddb(), tableName('Catalog')).listVersions(code),
  async () => undefined,
  theClock(),
);

const get = async (table: Parameters<typeof tableName>[0], Key: Record<string, unknown>) =>
  (await ddb().send(new GetCommand({ TableName: tableName(table), Key, ConsistentRead: true }))).Item;

beforeAll(async () => {
  const id = `F${uniq()}`;
  fee = `FF-${uniq()}`;
  const catalog = new Catalog(new CatalogTable(ddb(), tableName('Catalog')), theClock());
  await catalog.createDepartment({ id, name: '税务局' });
  await catalog.createFeeItem({
    code: fee,
    departmentId: id,
    name: '工本费',
    category: 'administrative-fee',
    legalBasis: 'x',
    approvedBy: 'y',
    pricing: { kind: 'fixed', amount: 700 },
  });
  dept = { role: 'department', sub: id, dept: id };
});

function paymentsWith(client: FaultyClient, clock: () => Date = () => new Date()) {
  return new Payments(
    new PaymentsTable(client, paymentTables()),
    new IdempotencyTable(client, tableName('Idempotency')),
    theSigner('receipt'),
    async () => undefined,
    clockAt(clock),
  );
}

/** What one attempt tried to write, read back: all present or all absent. */
async function writtenState(client: FaultyClient) {
  const tx = client.calls.find((c) => c.name === 'TransactWriteCommand');
  if (!tx) return { attempted: false, present: 0, total: 0 };
  const keys: { table: string; key: Record<string, unknown> }[] = tx.input.TransactItems.flatMap((i: any) => {
    if (i.Put) return [{ table: i.Put.TableName, key: { pk: i.Put.Item.pk, sk: i.Put.Item.sk } }];
    return [];
  });
  let present = 0;
  for (const k of keys)
    if ((await ddb().send(new GetCommand({ TableName: k.table, Key: k.key, ConsistentRead: true }))).Item) present++;
  return { attempted: true, present, total: keys.length };
}

describe('payment under injected DynamoDB failures', () => {
  it('leaves no partial state at any call, before or after DynamoDB applied it, and a retry pays exactly once', async () => {
    // No probe first: the very first payment of this process also registers the business day, so
    // that call gets its failure too. The loop ends at the first call number no payment reaches.
    const exercised: string[] = [];
    for (let call = 1, done = false; !done; call++)
      for (const when of ['before', 'after'] as const) {
        const n = await notices.issue(dept, {
          payer: { name: '王五', idType: 'other', idNumber: 'A1' },
          lines: [{ feeCode: fee }],
        });
        const key = randomUUID();
        const input = { noticeNos: [n.noticeNo], channel: 'transfer' as const, amount: 700, bankRef: `B-${uniq()}` };
        const client = new FaultyClient();
        client.reset({ call, when });
        const outcome = await paymentsWith(client)
          .pay(clerk, input, key)
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        if (client.calls.length < call) {
          expect(outcome).toBeUndefined(); // the fault was never reached: a plain success
          done = true;
          break;
        }
        expect(String(outcome), `${when} call ${call}`).toMatch(/injected failure/);
        exercised.push(`${when} ${client.calls[call - 1]!.name}`);

        const notice = await get('Notices', noticeKey(n.noticeNo));
        const state = await writtenState(client);
        if (notice!.status === 'paid') {
          // the commit went through (its response was lost): every item is there
          expect(state).toMatchObject({ attempted: true, present: state.total });
          const payment = await get('Payments', paymentKeys.payment(notice!.paymentId));
          expect(payment).toBeDefined();
          expect(
            await get('Ledger', ledgerKeys.transaction(payment!.businessDate, `pay-${notice!.paymentId}`)),
          ).toBeDefined();
        } else {
          expect(notice!.status).toBe('issued');
          expect(state.present, `${when} call ${call}: partial write`).toBe(0);
          expect(await get('Idempotency', paymentKeys.bankRef('transfer', input.bankRef))).toBeUndefined();
        }
        const idem = await get('Idempotency', { pk: idempotencyRecordId('payments', key), sk: 'IDEM' });
        if (idem) expect(idem.status === 'completed').toBe(notice!.status === 'paid');

        // The client retries under the same key (after the lease, in case the claim itself was lost).
        const later = () => new Date(Date.now() + LEASE_MS + 1000);
        const retry = await paymentsWith(new FaultyClient(), later).pay(clerk, input, key);
        expect(retry.status).toBe(201);
        const paid = await get('Notices', noticeKey(n.noticeNo));
        expect(paid!.status).toBe('paid');
        expect((retry.body as { paymentId: string }).paymentId).toBe(paid!.paymentId);
        const payment = await get('Payments', paymentKeys.payment(paid!.paymentId));
        expect(
          await get('Ledger', ledgerKeys.transaction(payment!.businessDate, `pay-${paid!.paymentId}`)),
        ).toBeDefined();
        expect(retry.replayed).toBe(notice!.status === 'paid');
      }
    // (The business-day registry write happens once per process and day, so an earlier retry in this
    // loop has usually done it before its turn comes; when it does come, it is in the list too.)
    expect(exercised).toEqual(
      expect.arrayContaining([
        'before BatchGetCommand', // the notices and the Idempotency-Key's record (no claim first: ADR 0014)
        'after BatchGetCommand',
        'before TransactWriteCommand', // the payment
        'after TransactWriteCommand',
      ]),
    );
  });

  it('a refund under injected failures is also all or nothing, and the refunded total stays exact', async () => {
    const n = await notices.issue(dept, {
      payer: { name: '赵六', idType: 'other', idNumber: 'A2' },
      lines: [{ feeCode: fee, quantity: 3 }],
    });
    const paid = await paymentsWith(new FaultyClient()).pay(
      clerk,
      { noticeNos: [n.noticeNo], channel: 'cash', amount: 2100 },
      randomUUID(),
    );
    const paymentId = (paid.body as { paymentId: string }).paymentId;
    const probe = new FaultyClient();
    await paymentsWith(probe).refund(finance, paymentId, { amount: 100, reason: 'r' }, randomUUID());
    let expected = 100;
    const steps = probe.calls.length;
    for (let call = 1; call <= steps; call++)
      for (const when of ['before', 'after'] as const) {
        const client = new FaultyClient();
        client.reset({ call, when });
        const key = randomUUID();
        await expect(
          paymentsWith(client).refund(finance, paymentId, { amount: 100, reason: 'r' }, key),
        ).rejects.toThrow(/injected failure/);
        const state = await writtenState(client);
        const committed = state.attempted && state.present > 0;
        if (committed) expect(state.present).toBe(state.total);
        const retry = await paymentsWith(new FaultyClient(), () => new Date(Date.now() + LEASE_MS + 1000)).refund(
          finance,
          paymentId,
          { amount: 100, reason: 'r' },
          key,
        );
        expect(retry.replayed).toBe(committed);
        expected += 100;
        const payment = await get('Payments', paymentKeys.payment(paymentId));
        expect(payment!.refundedTotal).toBe(expected);
        expect((payment!.lineRefunded as number[]).reduce((s, x) => s + x, 0)).toBe(expected);
      }
  });
});
