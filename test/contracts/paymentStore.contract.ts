import { randomInt, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LedgerTransaction } from '../../functions/ledger';
import type { NoticeRecord } from '../../functions/notices';
import {
  refundShares,
  refundLinesOf,
  refundTransaction,
  reversalPayload,
  type Refund,
} from '../../functions/payments/domain/refunds';
import {
  paymentBody,
  paymentReceiptPayload,
  paymentRecord,
  paymentTransaction,
} from '../../functions/payments/domain/settlement';
import {
  TransientConflict,
  type PaymentCommit,
  type PaymentStore,
  type RefundCommit,
  type StoredPayment,
} from '../../functions/payments/ports';
import type { Claim, IdempotencyStore } from '../../functions/shared/domain/idempotency';
import { documentNumber, paymentId as newPaymentId, refundId as newRefundId } from '../../functions/shared/domain/ids';
import type { Receipt } from '../../schemas/payments';
import type { Channel } from '../../schemas/records';

/**
 * What a PaymentStore must do, whatever it is backed by: the in-memory MemoryWorld of the unit tests
 * and the DynamoDB PaymentsTable. The store shares its world with the notices it flips to paid, the
 * idempotency claims it completes and the ledger it posts into, so the fixture brings those along:
 * a way to store a notice and to close a business day (as the notices and finance contexts would),
 * and to read a ledger transaction and the business-day registry back.
 *
 * Every test draws its own business day (far in the future) and its own ids, so runs against the one
 * DynamoDB Local of a test run never collide, and a closed day touches no other test.
 */
export interface PaymentWorld {
  store: PaymentStore;
  idempotency: IdempotencyStore;
  seedNotice(n: NoticeRecord): Promise<void>;
  closeDay(date: string): Promise<void>;
  ledgerTransaction(businessDate: string, id: string): Promise<LedgerTransaction | undefined>;
  isDayRegistered(date: string): Promise<boolean>;
}

const pad = (n: number) => String(n).padStart(2, '0');
const uniq = () => randomUUID().replace(/-/g, '').slice(0, 8).toUpperCase();
/** A business day of the test's own. */
const aDay = () => `${2100 + randomInt(7800)}-${pad(1 + randomInt(12))}-${pad(1 + randomInt(28))}`;
/** The day after one of aDay's (days 1–28: the same month). */
const nextDay = (day: string) => `${day.slice(0, 8)}${pad(Number(day.slice(8)) + 1)}`;
const dayBefore = (date: string) => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
};

function aNotice(today: string, over: Partial<NoticeRecord> = {}): NoticeRecord {
  const line = { feeCode: 'A-FIXED', feeVersion: 1, name: 'fee A', quantity: 1, unitAmount: 600, amount: 600 };
  const other = { feeCode: 'B-UNIT', feeVersion: 2, name: 'fee B', quantity: 3, unitAmount: 100, amount: 300 };
  return {
    noticeNo: documentNumber(today),
    checkCode: 'ABCD2345',
    departmentId: `D${uniq()}`,
    payer: { name: '张三', idType: 'other', idNumber: '1' },
    lines: [line, other],
    total: 900,
    currency: 'CNY',
    status: 'issued',
    issuedAt: `${today}T00:30:00.000Z`,
    dueDate: today,
    ...over,
  };
}

/** A payment commit of `notices` as the Payments use case builds it, with its claim taken. */
async function aPayment(
  w: PaymentWorld,
  today: string,
  notices: NoticeRecord[],
  o: { channel?: Channel; bankRef?: string; paidAt?: string; paymentId?: string } = {},
): Promise<PaymentCommit> {
  const paidAt = o.paidAt ?? `${today}T02:00:00.000Z`;
  const paymentId = o.paymentId ?? newPaymentId(today, new Date(paidAt));
  const channel = o.channel ?? 'transfer';
  const claim = await aClaim(w, paymentId);
  const input = { noticeNos: notices.map((n) => n.noticeNo), channel, amount: 0, bankRef: o.bankRef };
  const receiptNo = documentNumber(today);
  const payment = paymentRecord({ paymentId, input, notices, windowId: 'W01', paidAt, today, receiptNo });
  const receipt: Receipt = {
    ...paymentReceiptPayload(payment, notices, 'issuer'),
    status: 'valid',
    jws: `jws.${uniq()}`,
  };
  return {
    token: `${paymentId}.1`,
    today,
    noticeNos: input.noticeNos,
    payment,
    bankRef: o.bankRef ? { channel, bankRef: o.bankRef } : undefined,
    ledger: paymentTransaction(payment),
    receipt,
    idempotency: { claim, response: { status: 201, body: paymentBody(payment, receipt) } },
    nowMs: Date.now(),
  };
}

/** The claim a commit completes (ADR 0004's protocol), and the response it stores. */
const claimOf = (c: PaymentCommit) => {
  if (!('claim' in c.idempotency)) throw new Error('not a claim commit');
  return c.idempotency;
};

/** The same commit recording its key completed in the transaction, no claim first (ADR 0014's payment path). */
const completedAtOnce = (c: PaymentCommit, id = `IDEM#contract#${uniq()}`): PaymentCommit => ({
  ...c,
  idempotency: { completed: { id, fingerprint: 'fp' } },
});

/** A refund commit of `amount` computed from `payment` as read, with its claim taken. */
async function aRefund(
  w: PaymentWorld,
  payment: StoredPayment,
  original: Receipt,
  amount: number,
): Promise<RefundCommit> {
  const today = payment.businessDate;
  const refundId = newRefundId(today);
  const shares = refundShares(payment, amount);
  const refund: Refund = {
    recordType: 'refund',
    refundId,
    paymentId: payment.paymentId,
    channel: payment.channel,
    amount,
    refundedAt: `${today}T05:00:00.000Z`,
    businessDate: today,
    receiptNo: documentNumber(today),
    lines: refundLinesOf(payment, shares),
    reason: 'overcharged',
  };
  const receipt: Receipt = {
    ...reversalPayload(refund, payment, original, shares, 'issuer'),
    status: 'valid',
    jws: `jws.${uniq()}`,
  };
  const refundedTotal = payment.refundedTotal + amount;
  const status = refundedTotal === payment.amount ? 'reversed' : 'partially-reversed';
  return {
    token: `${refundId}.1`,
    paymentId: payment.paymentId,
    previousRefunded: payment.refundedTotal,
    refundedTotal,
    lineRefunded: payment.lines.map((_, i) => (payment.lineRefunded[i] ?? 0) + shares[i]!),
    refund,
    ledger: refundTransaction(refund),
    receipt,
    original: { receiptNo: payment.receiptNo, status },
    claim: await aClaim(w, refundId),
    response: { status: 201, body: { refundId } },
    nowMs: Date.now(),
  };
}

async function aClaim(w: PaymentWorld, owner: string): Promise<Claim> {
  const claim = { id: `IDEM#contract#${uniq()}${uniq()}`, owner };
  expect(await w.idempotency.claim(claim.id, 'fingerprint', owner, Date.now())).toEqual({ claimed: true });
  return claim;
}

async function seeded(w: PaymentWorld, today: string, ...over: Partial<NoticeRecord>[]): Promise<NoticeRecord[]> {
  const notices = over.map((o) => aNotice(today, o));
  for (const n of notices) await w.seedNotice(n);
  return notices;
}

/** The claim is still held by its owner, in progress: a second request finds it, not a completed one. */
async function expectStillInProgress(w: PaymentWorld, claim: Claim) {
  const r = await w.idempotency.claim(claim.id, 'fingerprint', 'someone-else', Date.now());
  expect(r).toMatchObject({ claimed: false, record: { status: 'in-progress', owner: claim.owner } });
}

/** Nothing of the payment commit is visible: no payment, receipt or ledger transaction; the claim untouched. */
async function expectNothingWritten(w: PaymentWorld, c: PaymentCommit) {
  expect(await w.store.getPayment(c.payment.paymentId)).toBeUndefined();
  expect(await w.store.getReceipt(c.receipt.receiptNo)).toBeUndefined();
  expect(await w.ledgerTransaction(c.ledger.businessDate, c.ledger.id)).toBeUndefined();
  if ('claim' in c.idempotency) await expectStillInProgress(w, c.idempotency.claim);
}

export function describePaymentStoreContract(name: string, makeWorld: () => PaymentWorld | Promise<PaymentWorld>) {
  describe(`PaymentStore contract: ${name}`, () => {
    describe('commitPayment', () => {
      it('records the whole payment: notices paid, payment, receipt, ledger transaction and completed claim', async () => {
        const w = await makeWorld();
        const today = aDay();
        const notices = await seeded(w, today, {}, { dueDate: '9999-12-31' });
        const c = await aPayment(w, today, notices, { bankRef: `B-${uniq()}` });
        await w.store.commitPayment(c);

        expect(await w.store.getPayment(c.payment.paymentId)).toEqual(c.payment);
        expect(await w.store.getReceipt(c.receipt.receiptNo)).toEqual(c.receipt);
        expect(await w.ledgerTransaction(c.ledger.businessDate, c.ledger.id)).toEqual(c.ledger);
        const read = await w.store.getNotices(c.noticeNos);
        for (const n of notices)
          expect(read.get(n.noticeNo)).toEqual({
            ...n,
            status: 'paid',
            paymentId: c.payment.paymentId,
            paidAt: c.payment.paidAt,
          });
        const again = await w.idempotency.claim(claimOf(c).claim.id, 'fingerprint', 'someone-else', Date.now());
        expect(again).toMatchObject({ claimed: false, record: { status: 'completed', response: claimOf(c).response } });
      });

      it('reads the notices and the key’s record in one call; records the key completed in the same commit', async () => {
        const w = await makeWorld();
        const today = aDay();
        const notices = await seeded(w, today, {}, { dueDate: '9999-12-31' });
        const c = completedAtOnce(await aPayment(w, today, notices));
        const id = 'completed' in c.idempotency ? c.idempotency.completed.id : '';
        const before = await w.store.readForPayment(c.noticeNos, id);
        expect(before.record).toBeUndefined();
        expect([...before.notices.keys()].sort()).toEqual([...c.noticeNos].sort());
        await w.store.commitPayment(c);
        const after = await w.store.readForPayment(c.noticeNos, id);
        expect(after.record).toMatchObject({ status: 'completed', fingerprint: 'fp', owner: c.payment.paymentId });
        expect(after.notices.get(c.noticeNos[0]!)?.status).toBe('paid');
        expect(await w.store.getPayment(c.payment.paymentId)).toEqual(c.payment);
      });

      it('fails with TransientConflict, writing nothing, when a same-key request committed first', async () => {
        const w = await makeWorld();
        const today = aDay();
        const id = `IDEM#contract#${uniq()}`;
        await w.store.commitPayment(completedAtOnce(await aPayment(w, today, await seeded(w, today, {})), id));
        const second = completedAtOnce(await aPayment(w, today, await seeded(w, today, {})), id);
        await expect(w.store.commitPayment(second)).rejects.toMatchObject({ name: 'TransientConflict' });
        expect(await w.store.getPayment(second.payment.paymentId)).toBeUndefined();
        expect((await w.store.getNotices(second.noticeNos)).get(second.noticeNos[0]!)?.status).toBe('issued');
      });

      it('never releases a completed claim', async () => {
        const w = await makeWorld();
        const today = aDay();
        const c = await aPayment(w, today, await seeded(w, today, {}));
        await w.store.commitPayment(c);
        await w.idempotency.release(claimOf(c).claim);
        const again = await w.idempotency.claim(claimOf(c).claim.id, 'fingerprint', 'someone-else', Date.now());
        expect(again).toMatchObject({ claimed: false, record: { status: 'completed', response: claimOf(c).response } });
      });

      it('fails with notice-already-paid when a notice was paid meanwhile, and writes nothing', async () => {
        const w = await makeWorld();
        const today = aDay();
        const [a, b] = await seeded(w, today, {}, {});
        await w.store.commitPayment(await aPayment(w, today, [a!]));
        const c = await aPayment(w, today, [b!, a!]);
        await expect(w.store.commitPayment(c)).rejects.toMatchObject({ type: 'notice-already-paid' });
        await expectNothingWritten(w, c);
        expect((await w.store.getNotices([b!.noticeNo])).get(b!.noticeNo)?.status).toBe('issued');
      });

      it('fails with notice-cancelled for a cancelled notice, and writes nothing', async () => {
        const w = await makeWorld();
        const today = aDay();
        const [a, b] = await seeded(
          w,
          today,
          {},
          { status: 'cancelled', cancelledAt: `${today}T01:00:00.000Z`, cancelReason: 'x' },
        );
        const c = await aPayment(w, today, [a!, b!]);
        await expect(w.store.commitPayment(c)).rejects.toMatchObject({ type: 'notice-cancelled' });
        await expectNothingWritten(w, c);
        expect((await w.store.getNotices([a!.noticeNo])).get(a!.noticeNo)?.status).toBe('issued');
      });

      it('fails with notice-expired for a notice past its due date on the commit’s day', async () => {
        const w = await makeWorld();
        const today = aDay();
        const [a] = await seeded(w, today, { dueDate: dayBefore(today) });
        const c = await aPayment(w, today, [a!]);
        await expect(w.store.commitPayment(c)).rejects.toMatchObject({ type: 'notice-expired' });
        await expectNothingWritten(w, c);
      });

      it('fails with not-found for a notice that does not exist', async () => {
        const w = await makeWorld();
        const today = aDay();
        const c = await aPayment(w, today, [aNotice(today)]);
        await expect(w.store.commitPayment(c)).rejects.toMatchObject({ type: 'not-found' });
        await expectNothingWritten(w, c);
      });

      it('fails with bank-ref-duplicate when the channel’s bankRef was used; a failed commit does not use it up', async () => {
        const w = await makeWorld();
        const today = aDay();
        const bankRef = `B-${uniq()}`;
        const [cancelled, a, b, c] = await seeded(w, today, { status: 'cancelled' }, {}, {}, {});
        const failed = await aPayment(w, today, [cancelled!], { bankRef });
        await expect(w.store.commitPayment(failed)).rejects.toMatchObject({ type: 'notice-cancelled' });
        await w.store.commitPayment(await aPayment(w, today, [a!], { bankRef }));
        const dup = await aPayment(w, today, [b!], { bankRef });
        await expect(w.store.commitPayment(dup)).rejects.toMatchObject({ type: 'bank-ref-duplicate' });
        await expectNothingWritten(w, dup);
        expect((await w.store.getNotices([b!.noticeNo])).get(b!.noticeNo)?.status).toBe('issued');
        // the same reference on another channel is another payment's
        await w.store.commitPayment(await aPayment(w, today, [c!], { bankRef, channel: 'card' }));
      });

      it('fails with day-closed when it posts into a closed day other than the one it is made on', async () => {
        const w = await makeWorld();
        const day = aDay();
        const notices = await seeded(w, day, { dueDate: '9999-12-31' });
        await w.closeDay(day);
        // made the day after the day it posts into (never so for the use case's payments: see below)
        const c = { ...(await aPayment(w, day, notices)), today: nextDay(day) };
        await expect(w.store.commitPayment(c)).rejects.toMatchObject({ type: 'day-closed' });
        await expectNothingWritten(w, c);
      });

      it('posts into the day it is made on without consulting the day guards (the close waits instead)', async () => {
        const w = await makeWorld();
        const today = aDay();
        // A close of a day that has not ended is refused (finance's mayCloseDay); written here anyway,
        // it shows that a same-day posting does not read the guards, as ledger/domain/closing.ts says.
        await w.closeDay(today);
        const c = await aPayment(w, today, await seeded(w, today, {}));
        await w.store.commitPayment(c);
        expect(await w.ledgerTransaction(today, c.ledger.id)).toEqual(c.ledger);
      });

      it('fails with idempotency-in-progress when the claim is no longer the committer’s', async () => {
        const w = await makeWorld();
        const today = aDay();
        const c = await aPayment(w, today, await seeded(w, today, {}));
        await expect(
          w.store.commitPayment({
            ...c,
            idempotency: { ...claimOf(c), claim: { ...claimOf(c).claim, owner: 'another-request' } },
          }),
        ).rejects.toMatchObject({
          type: 'idempotency-in-progress',
        });
        await expectNothingWritten(w, c);
      });

      it('fails with concurrent-update when the payment id is taken', async () => {
        const w = await makeWorld();
        const today = aDay();
        const [a, b] = await seeded(w, today, {}, {});
        const first = await aPayment(w, today, [a!]);
        await w.store.commitPayment(first);
        const second = await aPayment(w, today, [b!], { paymentId: first.payment.paymentId });
        await expect(w.store.commitPayment({ ...second, token: `${second.token}.again` })).rejects.toMatchObject({
          type: 'concurrent-update',
        });
        expect(await w.store.getReceipt(second.receipt.receiptNo)).toBeUndefined();
        expect((await w.store.getNotices([b!.noticeNo])).get(b!.noticeNo)?.status).toBe('issued');
      });
    });

    describe('commitRefund', () => {
      async function paid(w: PaymentWorld) {
        const today = aDay();
        const c = await aPayment(w, today, await seeded(w, today, {}));
        await w.store.commitPayment(c);
        return { payment: (await w.store.getPayment(c.payment.paymentId))!, original: c.receipt };
      }

      it('records a refund: refunded total and lines, red receipt, original receipt status, ledger transaction', async () => {
        const w = await makeWorld();
        const { payment, original } = await paid(w);
        const r = await aRefund(w, payment, original, 300);
        await w.store.commitRefund(r);
        expect(await w.store.getPayment(payment.paymentId)).toEqual({
          ...payment,
          refundedTotal: 300,
          lineRefunded: r.lineRefunded,
        });
        expect(await w.store.getReceipt(r.receipt.receiptNo)).toEqual(r.receipt);
        expect((await w.store.getReceipt(original.receiptNo))?.status).toBe('partially-reversed');
        expect(await w.ledgerTransaction(r.ledger.businessDate, r.ledger.id)).toEqual(r.ledger);

        const rest = await aRefund(w, (await w.store.getPayment(payment.paymentId))!, original, 600);
        await w.store.commitRefund(rest);
        expect((await w.store.getPayment(payment.paymentId))?.refundedTotal).toBe(900);
        expect((await w.store.getReceipt(original.receiptNo))?.status).toBe('reversed');
      });

      it('fails with TransientConflict when the refunded total changed since it was read, and writes nothing', async () => {
        const w = await makeWorld();
        const { payment, original } = await paid(w);
        const first = await aRefund(w, payment, original, 300);
        const stale = await aRefund(w, payment, original, 100);
        await w.store.commitRefund(first);
        await expect(w.store.commitRefund(stale)).rejects.toBeInstanceOf(TransientConflict);
        expect((await w.store.getPayment(payment.paymentId))?.refundedTotal).toBe(300);
        expect(await w.store.getReceipt(stale.receipt.receiptNo)).toBeUndefined();
        expect(await w.ledgerTransaction(stale.ledger.businessDate, stale.ledger.id)).toBeUndefined();
        await expectStillInProgress(w, stale.claim);
      });

      it('fails with TransientConflict when the refunded total would exceed the payment', async () => {
        const w = await makeWorld();
        const { payment, original } = await paid(w);
        const r = await aRefund(w, payment, original, 900);
        await expect(w.store.commitRefund({ ...r, refundedTotal: payment.amount + 1 })).rejects.toBeInstanceOf(
          TransientConflict,
        );
        expect((await w.store.getPayment(payment.paymentId))?.refundedTotal).toBe(0);
        expect((await w.store.getReceipt(original.receiptNo))?.status).toBe('valid');
      });
    });

    describe('reads', () => {
      it('answers undefined for an unknown payment or receipt, and leaves unknown notices out', async () => {
        const w = await makeWorld();
        const today = aDay();
        expect(await w.store.getPayment(newPaymentId(today, new Date()))).toBeUndefined();
        expect(await w.store.getReceipt(documentNumber(today))).toBeUndefined();
        const [n] = await seeded(w, today, {});
        const missing = documentNumber(today);
        const read = await w.store.getNotices([missing, n!.noticeNo]);
        expect([...read.keys()]).toEqual([n!.noticeNo]);
        expect(read.get(n!.noticeNo)).toEqual(n);
      });

      it('pages one business day’s payments in id order (the order they were made), of one channel if asked', async () => {
        const w = await makeWorld();
        const today = aDay();
        const at = (h: number) => `${today}T${pad(h)}:00:00.000Z`;
        const plan: { paidAt: string; channel: Channel }[] = [
          { paidAt: at(9), channel: 'cash' },
          { paidAt: at(3), channel: 'card' },
          { paidAt: at(3), channel: 'cash' },
          { paidAt: at(3), channel: 'cash' },
          { paidAt: at(7), channel: 'card' },
          { paidAt: at(1), channel: 'cash' },
        ];
        const commits: PaymentCommit[] = [];
        for (const p of plan) commits.push(await aPayment(w, today, await seeded(w, today, {}), p));
        for (const c of commits) await w.store.commitPayment(c);
        // ids carry the instant a payment is made: their order is paidAt's, ties broken at random
        const position = (p: StoredPayment) => p.paymentId;
        const expected = commits.map((c) => c.payment).sort((a, b) => (position(a) < position(b) ? -1 : 1));
        const byTime = [...expected].sort((a, b) => (a.paidAt < b.paidAt ? -1 : a.paidAt > b.paidAt ? 1 : 0));
        expect(expected.map((p) => p.paidAt)).toEqual(byTime.map((p) => p.paidAt));

        const all = await w.store.paymentsPage({ businessDate: today, limit: 50 });
        expect(all).toEqual({ items: expected, more: false });

        const seen: StoredPayment[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await w.store.paymentsPage({ businessDate: today, limit: 4, after });
          seen.push(...page.items);
          expect(page.items.length).toBeLessThanOrEqual(4);
          if (!page.more) break;
          after = position(page.items.at(-1)!);
        }
        expect(seen).toEqual(expected);

        const cash = await w.store.paymentsPage({ businessDate: today, channel: 'cash', limit: 2 });
        expect(cash).toEqual({ items: expected.filter((p) => p.channel === 'cash').slice(0, 2), more: true });
        const exactly = await w.store.paymentsPage({ businessDate: today, channel: 'card', limit: 2 });
        expect(exactly).toEqual({ items: expected.filter((p) => p.channel === 'card'), more: false });
        expect(await w.store.paymentsPage({ businessDate: dayBefore(today), limit: 10 })).toEqual({
          items: [],
          more: false,
        });
      });
    });

    it('registers a business day idempotently', async () => {
      const w = await makeWorld();
      const today = aDay();
      expect(await w.isDayRegistered(today)).toBe(false);
      await w.store.registerBusinessDay(today);
      await w.store.registerBusinessDay(today);
      expect(await w.isDayRegistered(today)).toBe(true);
    });
  });
}
