import { compactVerify, createLocalJWKSet } from 'jose';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitRefund } from '../../../functions/payments/domain/splitRefund';
import type { DomainError } from '../../../functions/shared/domain/errors';
import { trialBalance } from '../../../functions/ledger/domain/ledger';
import { anonymous, clerk, department, finance, world } from './fixtures';

const payer = { name: 'Jane Roe', idType: 'passport' as const, idNumber: 'E1234567' };
const problem = (type: string) => expect.objectContaining({ type });

async function setup() {
  const w = await world();
  const issue = (dept: string, lines: { feeCode: string; quantity?: number }[], dueDate?: string) =>
    w.notices.issue(department(dept), { payer, lines, dueDate });
  return { ...w, issue };
}

describe('pay', () => {
  it('flips the notices to paid, records a PII-free payment, posts a balanced transaction and signs a receipt', async () => {
    const { store, payments, signer, issue } = await setup();
    const a = await issue('D01', [{ feeCode: 'A-FIXED' }, { feeCode: 'B-UNIT', quantity: 3 }]);
    const c = await issue('D02', [{ feeCode: 'C-FIXED' }]);
    const r = await payments.pay(
      clerk,
      { noticeNos: [a.noticeNo, c.noticeNo], channel: 'cash', amount: 1000 + 999 + 2500 },
      'k1',
    );
    expect(r.status).toBe(201);
    const body = r.body as any;
    expect(store.notices.get(a.noticeNo)).toMatchObject({ status: 'paid', paymentId: body.paymentId });

    const record = store.payments.get(body.paymentId)!;
    expect(JSON.stringify(record)).not.toMatch(/Jane|E1234567/);
    const tx = store.ledger.get(`pay-${body.paymentId}`)!;
    expect(tx.postings).toEqual([
      { account: 'clr:cash', debit: 4499, credit: 0 },
      { account: 'rev:D01:A-FIXED', debit: 0, credit: 1000 },
      { account: 'rev:D01:B-UNIT', debit: 0, credit: 999 },
      { account: 'rev:D02:C-FIXED', debit: 0, credit: 2500 },
    ]);
    const { payload } = await compactVerify(body.receipt.jws, createLocalJWKSet(await signer.jwks()));
    const { jws: _j, status: _s, ...unsigned } = body.receipt;
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(unsigned);
    expect(unsigned.payerName).toBe('J*******');
  });

  it('refuses a paid, cancelled or expired notice and a wrong amount, writing nothing', async () => {
    const { store, clock, notices, payments, issue } = await setup();
    const n = await issue('D01', [{ feeCode: 'A-FIXED' }], '2026-03-05');
    await expect(
      payments.pay(clerk, { noticeNos: [n.noticeNo], channel: 'cash', amount: 999 }, 'k1'),
    ).rejects.toMatchObject(problem('amount-mismatch'));
    const c = await issue('D01', [{ feeCode: 'A-FIXED' }]);
    await notices.cancel(department('D01'), c.noticeNo, 'dup');
    await expect(
      payments.pay(clerk, { noticeNos: [n.noticeNo, c.noticeNo], channel: 'cash', amount: 2000 }, 'k2'),
    ).rejects.toMatchObject(problem('notice-cancelled'));
    expect(store.notices.get(n.noticeNo)!.status).toBe('issued');
    clock.set('2026-03-06T02:00:00.000Z');
    await expect(
      payments.pay(clerk, { noticeNos: [n.noticeNo], channel: 'cash', amount: 1000 }, 'k3'),
    ).rejects.toMatchObject(problem('notice-expired'));
    expect(store.payments.size).toBe(0);
    expect(store.ledger.size).toBe(0);
    expect(store.idempotency.size).toBe(0); // every failed attempt released its claim
  });

  it('refuses online payments from anyone (422 online-payment-needs-order), counting anonymous attempts', async () => {
    const { payments, issue, lookups, store } = await setup();
    const n = await issue('D01', [{ feeCode: 'A-FIXED' }]);
    await expect(
      payments.pay(anonymous, { noticeNos: [n.noticeNo], channel: 'cash', amount: 1000 }, 'k'),
    ).rejects.toMatchObject(problem('unauthorized'));
    const online = {
      noticeNos: [n.noticeNo],
      channel: 'online' as const,
      amount: 1000,
      bankRef: 'X',
      checkCodes: { [n.noticeNo]: n.checkCode! },
    };
    await expect(payments.pay(anonymous, online, 'k', 'ip9')).rejects.toMatchObject(
      problem('online-payment-needs-order'),
    );
    await expect(payments.pay(clerk, online, 'k2')).rejects.toMatchObject(problem('online-payment-needs-order'));
    expect(store.payments.size).toBe(0);
    expect(lookups.filter((l) => l.startsWith('online-payment:'))).toEqual([
      'online-payment:unknown',
      'online-payment:ip9',
    ]);
  });

  it('records one payment per online payment order however often it is confirmed', async () => {
    const { payments, issue, store } = await setup();
    const n = await issue('D01', [{ feeCode: 'A-FIXED' }]);
    const order = { orderId: 'O20260305AAAAAAAAAAAAAAAAAAAA', noticeNos: [n.noticeNo], amount: 1000, bankRef: 'T1' };
    const [a, b] = await Promise.all(
      [payments.payOnline(order), payments.payOnline(order)].map((p) => p.catch((e) => e)),
    );
    const c = await payments.payOnline(order);
    for (const r of [a, b].filter((x) => !(x instanceof Error))) expect(r.paymentId).toBe(c.paymentId);
    expect(c).toMatchObject({ channel: 'online', bankRef: 'T1', windowId: null, amount: 1000 });
    expect(store.payments.size).toBe(1);
  });

  it('keeps bankRef unique per channel', async () => {
    const { payments, issue } = await setup();
    const [a, b] = [await issue('D01', [{ feeCode: 'A-FIXED' }]), await issue('D01', [{ feeCode: 'A-FIXED' }])];
    await payments.pay(clerk, { noticeNos: [a.noticeNo], channel: 'card', amount: 1000, bankRef: 'REF1' }, 'k1');
    await expect(
      payments.pay(clerk, { noticeNos: [b.noticeNo], channel: 'card', amount: 1000, bankRef: 'REF1' }, 'k2'),
    ).rejects.toMatchObject(problem('bank-ref-duplicate'));
    expect(
      (await payments.pay(clerk, { noticeNos: [b.noticeNo], channel: 'transfer', amount: 1000, bankRef: 'REF1' }, 'k3'))
        .status,
    ).toBe(201);
  });
});

describe('Idempotency-Key', () => {
  it('replays the same response for the same request, 422 for another request under the key', async () => {
    const { store, payments, issue } = await setup();
    const n = await issue('D01', [{ feeCode: 'A-FIXED' }]);
    const input = { noticeNos: [n.noticeNo], channel: 'cash' as const, amount: 1000 };
    const first = await payments.pay(clerk, input, 'key');
    const again = await payments.pay(clerk, { amount: 1000, channel: 'cash', noticeNos: [n.noticeNo] }, 'key');
    expect(again).toEqual({ ...first, replayed: true });
    await expect(payments.pay(clerk, { ...input, amount: 1001 }, 'key')).rejects.toMatchObject(
      problem('idempotency-key-reused'),
    );
    await expect(payments.pay({ ...clerk, window: 'W02', sub: 'clerk:W02' }, input, 'key')).rejects.toMatchObject(
      problem('idempotency-key-reused'),
    );
    expect(store.payments.size).toBe(1);
  });

  it('answers 409 in progress while the first request holds the key, and lets a retry take over an abandoned claim after the lease', async () => {
    const { store, clock, payments, issue } = await setup();
    const n = await issue('D01', [{ feeCode: 'A-FIXED' }]);
    const input = { noticeNos: [n.noticeNo], channel: 'cash' as const, amount: 1000 };
    // the first attempt claims the key and dies before its commit (the process crashed: no release)
    store.fault = (op) =>
      op === 'payments.commitPayment' ? 'before' : op === 'idempotency.release' ? 'before' : undefined;
    await expect(payments.pay(clerk, input, 'key')).rejects.toThrow(/injected/);
    store.fault = () => undefined;
    await expect(payments.pay(clerk, input, 'key')).rejects.toMatchObject(problem('idempotency-in-progress'));
    clock.advance(31_000);
    expect((await payments.pay(clerk, input, 'key')).status).toBe(201);
  });
});

describe('refund', () => {
  it('reverses into today’s business day with a red receipt, updates the original receipt, and never exceeds the payment', async () => {
    const { store, clock, payments, issue } = await setup();
    const a = await issue('D01', [{ feeCode: 'A-FIXED' }, { feeCode: 'B-UNIT', quantity: 3 }]);
    const paid = (
      await payments.pay(clerk, { noticeNos: [a.noticeNo], channel: 'card', amount: 1999, bankRef: 'R1' }, 'p')
    ).body as any;
    clock.advance(3 * 86_400_000); // a refund days later posts into the day it happens
    const r = (await payments.refund(finance, paid.paymentId, { amount: 1000, reason: 'r' }, 'r1')).body as any;
    expect(r.businessDate).toBe('2026-03-05');
    expect(r.lines).toEqual([
      { departmentId: 'D01', feeCode: 'A-FIXED', amount: 500 },
      { departmentId: 'D01', feeCode: 'B-UNIT', amount: 500 },
    ]);
    expect(r.receipt).toMatchObject({ kind: 'reversal', originalReceiptNo: paid.receipt.receiptNo, total: 1000 });
    expect(store.receipts.get(paid.receipt.receiptNo)!.status).toBe('partially-reversed');
    expect(store.ledger.get(`refund-${r.refundId}`)).toMatchObject({ kind: 'refund', businessDate: '2026-03-05' });
    await expect(payments.refund(finance, paid.paymentId, { amount: 1000, reason: 'r' }, 'r2')).rejects.toMatchObject(
      problem('refund-exceeds-payment'),
    );
    await payments.refund(finance, paid.paymentId, { amount: 999, reason: 'r' }, 'r3');
    expect(store.receipts.get(paid.receipt.receiptNo)!.status).toBe('reversed');
    expect(store.payments.get(paid.paymentId)!.lineRefunded).toEqual([1000, 999]);
    const tb = trialBalance(store.ledger.values());
    expect(tb.accounts.every((a) => a.balance === 0)).toBe(true);
  });

  it('refuses concurrent refunds whose sum would exceed the payment', async () => {
    const { store, payments, issue } = await setup();
    const a = await issue('D02', [{ feeCode: 'C-FIXED' }]);
    const paid = (await payments.pay(clerk, { noticeNos: [a.noticeNo], channel: 'cash', amount: 2500 }, 'p'))
      .body as any;
    const rs = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        payments.refund(finance, paid.paymentId, { amount: 1000, reason: 'r' }, `r${i}`),
      ),
    );
    expect(rs.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    for (const r of rs)
      if (r.status === 'rejected')
        expect((r.reason as DomainError).type).toMatch(/refund-exceeds-payment|concurrent-update/);
    expect(store.payments.get(paid.paymentId)!.refundedTotal).toBe(2000);
  });
});

describe('splitRefund', () => {
  it('splits in proportion with the largest remainder, ties to the earlier line', () => {
    expect(splitRefund(1500, [1000, 2000])).toEqual([500, 1000]);
    expect(splitRefund(1, [1, 1])).toEqual([1, 0]);
    expect(splitRefund(2, [1, 1, 1])).toEqual([1, 1, 0]);
    expect(splitRefund(100, [333, 333, 334])).toEqual([33, 33, 34]);
  });

  it('never refunds a line more than it was paid, over any sequence of partial refunds (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 10 }),
        (lines, fractions) => {
          const refunded = lines.map(() => 0);
          const total = lines.reduce((s, x) => s + x, 0);
          for (const f of fractions) {
            const left = total - refunded.reduce((s, x) => s + x, 0);
            const amount = Math.floor(left * f);
            const shares = splitRefund(
              amount,
              lines.map((l, i) => l - refunded[i]!),
            );
            expect(shares.reduce((s, x) => s + x, 0)).toBe(amount);
            shares.forEach((s, i) => {
              expect(s).toBeGreaterThanOrEqual(0);
              refunded[i]! += s;
              expect(refunded[i]).toBeLessThanOrEqual(lines[i]!);
            });
          }
          const rest = lines.map((l, i) => l - refunded[i]!);
          expect(
            splitRefund(
              rest.reduce((s, x) => s + x, 0),
              rest,
            ),
          ).toEqual(rest);
        },
      ),
    );
  });
});
