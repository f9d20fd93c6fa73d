import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PaymentsReader } from '../../functions/finance/ports';
import type { PaymentRecord } from '../../schemas/records';
import { paymentRecord, uniqueDate } from '../unit/finance/dayFixtures';

/**
 * The contract of the payments reader finance reconciles from: run against the in-memory fake
 * (test/unit/finance/memoryBooks.ts) and the payments context's published PaymentsDayReader over
 * the Payments table. `seed` stores records the way the payments context does.
 */
export interface SeededPayments {
  reader: PaymentsReader;
  seedPayments(payments: PaymentRecord[]): Promise<void>;
  seedRefund(payment: PaymentRecord, refundId: string, amount: number, businessDate: string): Promise<void>;
}

const uid = () => randomUUID().replaceAll('-', '').slice(0, 10).toUpperCase();

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of source) out.push(x);
  return out;
}

const byId = (a: PaymentRecord, b: PaymentRecord) => a.paymentId.localeCompare(b.paymentId);

export function describePaymentsReaderContract(name: string, make: () => SeededPayments) {
  describe(`${name}: payments reader`, () => {
    it('reads every payment of a day, on every channel, and none of another day', async () => {
      const { reader, seedPayments } = make();
      const [date, other] = [uniqueDate(), uniqueDate()];
      const p = uid();
      const day = (['cash', 'card', 'transfer', 'online', 'card'] as const).map((channel, i) =>
        paymentRecord(date, { paymentId: `${p}-${i}`, channel, amount: 100 + i }),
      );
      await seedPayments([...day, paymentRecord(other, { paymentId: `${p}-X`, channel: 'card', amount: 9 })]);
      const read = await collect(reader.paymentsOfDay(date));
      expect(read.sort(byId)).toMatchObject(day.sort(byId));
    });

    it('reads the refunds posted on a day (not among its payments), and none of another day', async () => {
      const { reader, seedPayments, seedRefund } = make();
      const [date, later] = [uniqueDate(), uniqueDate()];
      const p = paymentRecord(date, { paymentId: `${uid()}-R`, channel: 'card', amount: 1000 });
      await seedPayments([p]);
      await seedRefund(p, `${p.paymentId}-1`, 300, date);
      await seedRefund(p, `${p.paymentId}-2`, 200, later);
      expect(await collect(reader.refundsOfDay(date))).toMatchObject([
        {
          recordType: 'refund',
          refundId: `${p.paymentId}-1`,
          paymentId: p.paymentId,
          channel: 'card',
          amount: 300,
          businessDate: date,
        },
      ]);
      expect((await collect(reader.paymentsOfDay(date))).map((x) => x.paymentId)).toEqual([p.paymentId]);
      expect((await collect(reader.refundsOfDay(later))).map((x) => x.refundId)).toEqual([`${p.paymentId}-2`]);
    });

    it('reads nothing for a day without records', async () => {
      const { reader } = make();
      const date = uniqueDate();
      expect(await collect(reader.paymentsOfDay(date))).toEqual([]);
      expect(await collect(reader.refundsOfDay(date))).toEqual([]);
    });
  });
}
