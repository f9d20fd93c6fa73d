import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LEASE_MS } from '../../../functions/shared/domain/idempotency';
import { trialBalance } from '../../../functions/ledger/domain/ledger';
import { CATALOG, clerk, department, finance, world } from '../payments/fixtures';
import type { Fault } from '../payments/memoryWorld';

/**
 * Random sequences of payments and refunds, with failures injected before or after any store call;
 * a client that sees an error retries under the same Idempotency-Key (as API.md tells it to). After
 * every sequence: the trial balance nets to zero, the clearing accounts hold exactly what was paid
 * minus what was refunded, revenue mirrors it, and nothing was paid or refunded twice.
 */
type Command =
  | { kind: 'pay'; notices: { fee: number; quantity: number }[]; channel: 'cash' | 'card' | 'transfer' }
  | { kind: 'refund'; payment: number; fraction: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('pay' as const),
    notices: fc.array(
      fc.record({ fee: fc.integer({ min: 0, max: CATALOG.length - 1 }), quantity: fc.integer({ min: 1, max: 5 }) }),
      { minLength: 1, maxLength: 4 },
    ),
    // Online payments are made by payment orders through the same settlement (test/property/orders).
    channel: fc.constantFrom('cash' as const, 'card' as const, 'transfer' as const),
  }),
  fc.record({
    kind: fc.constant('refund' as const),
    payment: fc.nat(),
    fraction: fc.double({ min: 0.01, max: 1.2, noNaN: true }),
  }),
);

const fault: fc.Arbitrary<Fault> = fc.constantFrom<Fault>(undefined, undefined, undefined, 'before', 'after');

describe('ledger property: payments and refunds with injected failures', () => {
  it('keeps the trial balance at zero and equal to paid minus refunded', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(command, fc.array(fault, { minLength: 6, maxLength: 6 })), { minLength: 1, maxLength: 15 }),
        async (script) => {
          const { store, notices, payments, clock } = await world();
          const paymentIds: string[] = [];
          let paid = 0;
          let refunded = 0;
          let keyNo = 0;
          for (const [cmd, faults] of script) {
            let call = 0;
            const key = `key-${keyNo++}`;
            // A fault schedule for the first attempt only; the retry runs clean.
            const attempt = async <T>(run: () => Promise<T>): Promise<T | Error> => {
              store.fault = () => faults[call++ % faults.length];
              try {
                return await run();
              } catch (e) {
                store.fault = () => undefined;
                clock.advance(LEASE_MS + 1); // a claim whose owner died is taken over after its lease
                return e as Error;
              } finally {
                store.fault = () => undefined;
              }
            };
            if (cmd.kind === 'pay') {
              const nos: string[] = [];
              let total = 0;
              for (const n of cmd.notices) {
                const fee = CATALOG[n.fee]!;
                const issued = await notices.issue(department(fee.departmentId), {
                  payer: { name: 'P', idType: 'other', idNumber: '1' },
                  lines: [{ feeCode: fee.code, quantity: n.quantity }],
                });
                nos.push(issued.noticeNo);
                total += issued.total;
              }
              const input = {
                noticeNos: nos,
                channel: cmd.channel,
                amount: total,
                ...(cmd.channel === 'cash' ? {} : { bankRef: `B${keyNo}` }),
              };
              let r = await attempt(() => payments.pay(clerk, input, key));
              if (r instanceof Error) r = await payments.pay(clerk, input, key); // clean retry: must converge
              expect(r.status).toBe(201);
              const id = (r.body as { paymentId: string }).paymentId;
              if (!r.replayed || !paymentIds.includes(id)) {
                paymentIds.push(id);
                paid += total;
              }
            } else if (paymentIds.length > 0) {
              const id = paymentIds[cmd.payment % paymentIds.length]!;
              const p = store.payments.get(id)!;
              const amount = Math.max(1, Math.floor(p.amount * cmd.fraction));
              const run = () => payments.refund(finance, id, { amount, reason: 'r' }, key);
              let r = await attempt(run);
              if (r instanceof Error && (r as { type?: string }).type !== 'refund-exceeds-payment')
                r = await run().catch((e: Error) => e);
              if (r instanceof Error) expect((r as { type?: string }).type).toBe('refund-exceeds-payment');
              else refunded += amount;
            }
          }
          const tb = trialBalance(store.ledger.values());
          expect(tb.totalDebit).toBe(tb.totalCredit);
          expect(tb.accounts.reduce((s, a) => s + a.balance, 0)).toBe(0);
          const clearing = tb.accounts.filter((a) => a.line === 'clearing').reduce((s, a) => s + a.balance, 0);
          const revenue = tb.accounts.filter((a) => a.line === 'revenue').reduce((s, a) => s + a.balance, 0);
          expect(clearing).toBe(paid - refunded);
          expect(paid - refunded + revenue).toBe(0); // revenue is credit-normal
          // exactly once: one payment transaction per payment, one per refund, and no notice paid twice
          expect(store.payments.size).toBe(paymentIds.length);
          expect([...store.ledger.values()].filter((t) => t.kind === 'payment')).toHaveLength(paymentIds.length);
          expect([...store.ledger.values()].filter((t) => t.kind === 'refund')).toHaveLength(store.refunds.length);
          for (const p of store.payments.values()) {
            expect(p.refundedTotal).toBeLessThanOrEqual(p.amount);
            for (const [i, l] of p.lines.entries()) expect(p.lineRefunded[i]).toBeLessThanOrEqual(l.amount);
            for (const no of p.noticeNos) expect(store.notices.get(no)!.paymentId).toBe(p.paymentId);
          }
          for (const n of store.notices.values()) expect(['issued', 'paid']).toContain(n.status);
          expect(
            [...store.idempotency.values()].every((r) => r.status === 'completed' || r.status === 'in-progress'),
          ).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});
