import { isSameDayPosting } from '../../../functions/ledger';
import { CompactSign, exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import type { NoticePage, NoticeRecord, NoticeStore } from '../../../functions/notices/ports';
import { byPosition, positionOf } from '../../../functions/payments/domain/views';
import {
  TransientConflict,
  type PaymentCommit,
  type PaymentStore,
  type RefundCommit,
  type StoredPayment,
} from '../../../functions/payments/ports';
import { DomainError } from '../../../functions/shared/domain/errors';
import {
  LEASE_MS,
  type Claim,
  type IdempotencyRecord,
  type IdempotencyStore,
} from '../../../functions/shared/domain/idempotency';
import type { LedgerTransaction } from '../../../functions/ledger/domain/ledger';
import type { Signer } from '../../../functions/shared/domain/signing';
import type { Receipt } from '../../../schemas/payments';
import type { RefundRecord } from '../../../schemas/records';
import { statusOn } from '../../../functions/notices/domain/notices';

export type Fault = 'before' | 'after' | undefined;

/**
 * In-memory Notices, Payments/Receipts/Ledger and Idempotency stores sharing one state, so a commit
 * is atomic across them exactly as the one DynamoDB transaction is: every condition is checked in the
 * adapter's order, then every effect applied. `fault(op)` can fail any operation before it takes
 * effect or after (the effect stays; the caller sees an error, like a lost response).
 */
export class MemoryWorld implements NoticeStore, PaymentStore, IdempotencyStore {
  notices = new Map<string, NoticeRecord>();
  payments = new Map<string, StoredPayment>();
  refunds: RefundRecord[] = [];
  bankRefs = new Set<string>();
  ledger = new Map<string, LedgerTransaction>();
  receipts = new Map<string, Receipt>();
  idempotency = new Map<string, IdempotencyRecord>();
  closedDays = new Set<string>();
  days = new Set<string>();
  fault: (op: string) => Fault = () => undefined;

  private async op<T>(name: string, apply: () => T): Promise<T> {
    const f = this.fault(name);
    if (f === 'before') throw new Error(`injected failure before ${name}`);
    const out = apply();
    if (f === 'after') throw new Error(`injected failure after ${name}`);
    return structuredClone(out);
  }

  // NoticeStore
  create(n: NoticeRecord) {
    return this.op('notice.create', () => {
      if (this.notices.has(n.noticeNo)) return false;
      this.notices.set(n.noticeNo, structuredClone(n));
      return true;
    });
  }
  get(noticeNo: string) {
    return this.op('notice.get', () => this.notices.get(noticeNo));
  }
  list(q: {
    departmentId?: string;
    from: string;
    to: string;
    limit: number;
    after?: Record<string, unknown>;
  }): Promise<NoticePage> {
    return this.op('notice.list', () => {
      const all = [...this.notices.values()]
        .filter(
          (n) =>
            (!q.departmentId || n.departmentId === q.departmentId) &&
            n.issuedAt.slice(0, 10) >= q.from &&
            n.issuedAt.slice(0, 10) <= q.to,
        )
        .sort((a, b) => b.issuedAt.localeCompare(a.issuedAt) || b.noticeNo.localeCompare(a.noticeNo));
      const start = (q.after?.i as number | undefined) ?? 0;
      const items = all.slice(start, start + q.limit);
      return { items, next: start + q.limit < all.length ? { i: start + q.limit } : undefined };
    });
  }
  cancel(noticeNo: string, at: string, reason: string) {
    return this.op('notice.cancel', () => {
      const n = this.notices.get(noticeNo);
      if (!n || n.status !== 'issued') return false;
      Object.assign(n, { status: 'cancelled', cancelledAt: at, cancelReason: reason });
      return true;
    });
  }

  // IdempotencyStore
  claim(id: string, fingerprint: string, owner: string, nowMs: number) {
    return this.op('idempotency.claim', () => {
      const r = this.idempotency.get(id);
      if (!r || (r.status === 'in-progress' && (r.leaseUntil ?? 0) < nowMs)) {
        this.idempotency.set(id, { status: 'in-progress', fingerprint, owner, leaseUntil: nowMs + LEASE_MS });
        return { claimed: true as const };
      }
      return { claimed: false as const, record: r };
    });
  }
  release(claim: Claim) {
    return this.op('idempotency.release', () => {
      const r = this.idempotency.get(claim.id);
      if (r && r.status === 'in-progress' && r.owner === claim.owner) this.idempotency.delete(claim.id);
    });
  }

  // PaymentStore
  getNotices(noticeNos: string[]) {
    return this.op(
      'payments.getNotices',
      () => new Map(noticeNos.flatMap((no) => (this.notices.has(no) ? [[no, this.notices.get(no)!] as const] : []))),
    );
  }
  getPayment(paymentId: string) {
    return this.op('payments.getPayment', () => this.payments.get(paymentId));
  }
  getReceipt(receiptNo: string) {
    return this.op('payments.getReceipt', () => this.receipts.get(receiptNo));
  }
  paymentsPage(q: { businessDate: string; channel?: string; after?: string; limit: number }) {
    return this.op('payments.page', () => {
      const all = [...this.payments.values()]
        .filter(
          (p) =>
            p.businessDate === q.businessDate &&
            (!q.channel || p.channel === q.channel) &&
            (!q.after || positionOf(p) > q.after),
        )
        .sort(byPosition);
      return { items: all.slice(0, q.limit), more: all.length > q.limit };
    });
  }
  registerBusinessDay(date: string) {
    return this.op('payments.registerDay', () => void this.days.add(date));
  }

  private checkCompletion(claim: Claim) {
    const r = this.idempotency.get(claim.id);
    if (!r || r.status !== 'in-progress' || r.owner !== claim.owner) throw new DomainError('idempotency-in-progress');
  }
  private complete(claim: Claim, response: { status: number; body: unknown }) {
    const r = this.idempotency.get(claim.id)!;
    this.idempotency.set(claim.id, {
      status: 'completed',
      fingerprint: r.fingerprint,
      owner: r.owner,
      response: structuredClone(response),
    });
  }

  readForPayment(noticeNos: string[], idempotencyId: string) {
    return this.op('payments.readForPayment', () => ({
      notices: new Map(noticeNos.flatMap((no) => (this.notices.has(no) ? [[no, this.notices.get(no)!] as const] : []))),
      record: structuredClone(this.idempotency.get(idempotencyId)),
    }));
  }

  commitPayment(c: PaymentCommit) {
    return this.op('payments.commitPayment', () => {
      const completed = 'completed' in c.idempotency ? c.idempotency.completed : undefined;
      if (completed) {
        // The table's condition, checked first as the transaction's first entry is: no record, or an abandoned claim.
        const r = this.idempotency.get(completed.id);
        if (r && !(r.status === 'in-progress' && (r.leaseUntil ?? 0) < c.nowMs))
          throw new TransientConflict('a same-key request committed first');
      }
      for (const no of c.noticeNos) {
        const n = this.notices.get(no);
        if (!n) throw new DomainError('not-found');
        const s = statusOn(n, c.today);
        if (s === 'paid') throw new DomainError('notice-already-paid');
        if (s === 'cancelled') throw new DomainError('notice-cancelled');
        if (s === 'expired') throw new DomainError('notice-expired');
      }
      if (this.payments.has(c.payment.paymentId)) throw new DomainError('concurrent-update');
      const ref = c.bankRef && `${c.bankRef.channel}#${c.bankRef.bankRef}`;
      if (ref && this.bankRefs.has(ref)) throw new DomainError('bank-ref-duplicate');
      if (this.ledger.has(c.ledger.id)) throw new DomainError('concurrent-update');
      // as the Ledger table: only a posting into another day than the one it is made on checks the guard
      if (!isSameDayPosting(c.ledger.businessDate, c.today) && this.closedDays.has(c.ledger.businessDate))
        throw new DomainError('day-closed');
      if (this.receipts.has(c.receipt.receiptNo)) throw new TransientConflict('receipt number taken');
      if ('claim' in c.idempotency) this.checkCompletion(c.idempotency.claim);
      for (const no of c.noticeNos)
        Object.assign(this.notices.get(no)!, {
          status: 'paid',
          paymentId: c.payment.paymentId,
          paidAt: c.payment.paidAt,
        });
      this.payments.set(c.payment.paymentId, structuredClone(c.payment));
      if (ref) this.bankRefs.add(ref);
      this.ledger.set(c.ledger.id, structuredClone(c.ledger));
      this.receipts.set(c.receipt.receiptNo, structuredClone(c.receipt));
      if ('claim' in c.idempotency) this.complete(c.idempotency.claim, c.idempotency.response);
      else
        this.idempotency.set(c.idempotency.completed.id, {
          status: 'completed',
          fingerprint: c.idempotency.completed.fingerprint,
          owner: c.payment.paymentId,
        });
    });
  }

  commitRefund(c: RefundCommit) {
    return this.op('payments.commitRefund', () => {
      const p = this.payments.get(c.paymentId);
      if (!p || p.refundedTotal !== c.previousRefunded || c.refundedTotal > p.amount)
        throw new TransientConflict('refunded total changed');
      if (this.ledger.has(c.ledger.id)) throw new DomainError('concurrent-update');
      if (!isSameDayPosting(c.ledger.businessDate, c.refund.businessDate) && this.closedDays.has(c.ledger.businessDate))
        throw new DomainError('day-closed');
      if (this.receipts.has(c.receipt.receiptNo)) throw new TransientConflict('receipt number taken');
      if (!this.receipts.has(c.original.receiptNo)) throw new TransientConflict('original receipt missing');
      this.checkCompletion(c.claim);
      p.refundedTotal = c.refundedTotal;
      p.lineRefunded = [...c.lineRefunded];
      const { reason: _r, ...refund } = c.refund;
      this.refunds.push(structuredClone(refund));
      this.ledger.set(c.ledger.id, structuredClone(c.ledger));
      this.receipts.set(c.receipt.receiptNo, structuredClone(c.receipt));
      this.receipts.get(c.original.receiptNo)!.status = c.original.status;
      this.complete(c.claim, c.response);
    });
  }
}

/** A real ES256 signer with a key generated for the test run. */
export async function testSigner(): Promise<Pick<Signer, 'sign' | 'jwks'>> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const pub = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'ES256', use: 'sig' };
  return {
    sign: (payload: object) =>
      new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: 'ES256', kid: 'test-key', typ: 'receipt+jwt' })
        .sign(privateKey),
    jwks: async (): Promise<JSONWebKeySet> => ({ keys: [pub] }),
  };
}
