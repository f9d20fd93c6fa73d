import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, token } from '../support/api';
import { completeAtProvider, createOrder, departmentWithFee, issueNotice, type CreatedOrder } from '../support/orders';

/**
 * Exactly one payment per successful order, whatever the provider and the payer do: the sandbox
 * provider (its own service) delivers each order's notifications by a generated fault plan (none,
 * one, duplicates, each after its own delay, so deliveries of different orders interleave), while
 * the holder reads the order (each read of a `created` order asks the provider) and sometimes
 * cancels it, concurrently with the payer at the page.
 */
const plan = fc.record({
  outcome: fc.constantFrom('success', 'success', 'failure', 'abandon'),
  deliveries: fc.oneof(
    fc.constant([] as number[]),
    fc.array(fc.integer({ min: 0, max: 250 }), { minLength: 1, maxLength: 4 }),
  ),
  reads: fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 3 }),
  cancelAfter: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
  payAfter: fc.integer({ min: 0, max: 150 }),
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let dept: { fee: string; deptToken: string };
let finance: string;

beforeAll(async () => {
  dept = await departmentWithFee(1200);
  finance = await token({ role: 'finance' });
});

interface Plan {
  outcome: string;
  deliveries: number[];
  reads: number[];
  cancelAfter?: number;
  payAfter: number;
}

async function play(p: Plan) {
  const n = await issueNotice(dept);
  const o: CreatedOrder = (await createOrder([n])).body;
  await fetch(o.redirectUrl); // the payer opens the page
  const holder = { 'x-order-token': o.orderToken };
  const payer = (async () => {
    await sleep(p.payAfter);
    if (p.outcome === 'abandon') return { paid: false, tradeNo: undefined };
    const r = await completeAtProvider(o.providerOrderId, {
      outcome: p.outcome as 'success' | 'failure',
      notify: p.deliveries.length > 0,
      deliveries: p.deliveries,
    });
    return { paid: r.body.status === 'TRADE_SUCCESS', tradeNo: r.body.tradeNo };
  })();
  const reads = p.reads.map(async (at) => {
    await sleep(at);
    await api('GET', `/v1/payment-orders/${o.orderId}`, { headers: holder });
  });
  const cancel = (async () => {
    if (p.cancelAfter === undefined) return;
    await sleep(p.cancelAfter);
    const r = await api('POST', `/v1/payment-orders/${o.orderId}/cancel`, { headers: holder });
    expect([200, 409]).toContain(r.status);
  })();
  const [{ paid, tradeNo }] = await Promise.all([payer, ...reads, cancel]);
  return { o, n, paid, tradeNo };
}

/** The order as it ends: reads ask the provider until nothing is open that the provider decided. */
async function final(o: CreatedOrder, paid: boolean) {
  const end = Date.now() + 5000;
  for (;;) {
    const r = await api('GET', `/v1/payment-orders/${o.orderId}`, { token: finance });
    if (!paid || r.body.status === 'succeeded' || Date.now() > end) return r.body;
    await sleep(50);
  }
}

describe('payment orders against the sandbox provider (property)', () => {
  it('makes exactly one payment per successful order, and none for any other', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(plan, { minLength: 1, maxLength: 4 }), async (plans) => {
        const played = await Promise.all(plans.map(play));
        for (const { o, n, paid, tradeNo } of played) {
          const order = await final(o, paid);
          const notice = (await api('GET', `/v1/notices/${n.noticeNo}`, { token: finance })).body;
          if (paid) {
            expect(order.status).toBe('succeeded');
            expect(notice.status).toBe('paid');
            const payment = (await api('GET', `/v1/payments/${order.paymentId}`, { token: finance })).body;
            expect(payment).toMatchObject({
              channel: 'online',
              bankRef: tradeNo,
              amount: 1200,
              noticeNos: [n.noticeNo],
            });
            expect(notice.paymentId).toBe(order.paymentId);
          } else {
            expect(order.status).not.toBe('succeeded');
            expect(notice.status).toBe('issued');
            expect(order.paymentId).toBeUndefined();
          }
        }
        // Exactly one: no other online payment carries any of these provider transactions.
        const online = await allOnlinePayments();
        for (const { tradeNo, paid } of played)
          expect(online.filter((p) => p.bankRef === tradeNo).length).toBe(paid && tradeNo ? 1 : 0);
      }),
      { numRuns: 12, interruptAfterTimeLimit: 90_000 },
    );
  }, 180_000);
});

async function allOnlinePayments(): Promise<{ bankRef: string }[]> {
  const out: { bankRef: string }[] = [];
  let cursor: string | null = null;
  do {
    const q: string = `/v1/payments?channel=online&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const r = await api('GET', q, { token: finance });
    out.push(...r.body.items);
    cursor = r.body.nextCursor;
  } while (cursor);
  return out;
}
