import type { Receipt, ReceiptPayload } from '../../../schemas/payments';
import { DomainError } from '../../shared/domain/errors';
import { isDocumentNumber } from '../../shared/domain/ids';
import { JWS_TYPE, verifySigned, type Signer } from '../../shared/domain/signing';
import type { LookupLimiter, PaymentStore } from '../ports';
import { sameCode } from '../../notices';

/**
 * Receipts (财政电子票据) as anyone sees them. A receipt is genuine when its JWS verifies against our
 * published keys AND it is, byte for byte, the receipt we stored; its status (valid,
 * partially-reversed, reversed) is the stored one, because a refund changes the status, never the
 * signed document. Look-ups by check code are rate-limited per client.
 */
export class Receipts {
  constructor(
    private readonly store: Pick<PaymentStore, 'getReceipt' | 'getNotices' | 'getPayment'>,
    /** The receipt key only: a JWS by any other key (a day proof's) is not a receipt. */
    private readonly signer: Pick<Signer, 'jwks'>,
    private readonly limiter: LookupLimiter,
  ) {}

  async get(receiptNo: string, code: string | undefined, client: string): Promise<Receipt> {
    await this.limiter('receipt-lookup', client);
    const r = isDocumentNumber(receiptNo) ? await this.store.getReceipt(receiptNo) : undefined;
    if (!r || !sameCode(code, r.checkCode))
      throw new DomainError('not-found', 'No receipt with this number and check code');
    return r;
  }

  /**
   * The receipt of a paid notice, for a payer who kept the notice (number and check code) but not the
   * receipt. A wrong code, a notice not (yet) paid and a missing one all answer the same 404; limited
   * per client like every look-up by check code.
   */
  async ofNotice(noticeNo: string, code: string | undefined, client: string): Promise<Receipt> {
    await this.limiter('receipt-lookup', client);
    const notice = isDocumentNumber(noticeNo) ? (await this.store.getNotices([noticeNo])).get(noticeNo) : undefined;
    const paid = notice && sameCode(code, notice.checkCode) && notice.status === 'paid' ? notice.paymentId : undefined;
    const payment = paid ? await this.store.getPayment(paid) : undefined;
    const receipt = payment ? await this.store.getReceipt(payment.receiptNo) : undefined;
    if (!receipt) throw new DomainError('not-found', 'No paid notice with this number and check code');
    return receipt;
  }

  async verify(input: { receiptNo: string; checkCode: string } | { jws: string }, client: string) {
    const invalid = { valid: false, status: null };
    let stored: Receipt | undefined;
    let jws: string;
    if ('jws' in input) {
      jws = input.jws;
      const payload = await this.verifySignature(jws);
      if (!payload || typeof payload.receiptNo !== 'string' || !isDocumentNumber(payload.receiptNo)) return invalid;
      stored = await this.store.getReceipt(payload.receiptNo);
    } else {
      await this.limiter('receipt-lookup', client);
      stored = isDocumentNumber(input.receiptNo) ? await this.store.getReceipt(input.receiptNo) : undefined;
      if (!stored || !sameCode(input.checkCode, stored.checkCode)) return invalid;
      jws = stored.jws;
      if (!(await this.verifySignature(jws))) return invalid;
    }
    if (!stored || stored.jws !== jws) return invalid;
    return { valid: true, status: stored.status, receipt: stored };
  }

  /** The keys that sign receipts, and only those (day proofs have a key set of their own). */
  jwks() {
    return this.signer.jwks();
  }

  private async verifySignature(jws: string): Promise<Partial<ReceiptPayload> | undefined> {
    const payload = await verifySigned<Partial<ReceiptPayload>>(jws, await this.signer.jwks(), JWS_TYPE.receipt);
    return payload && typeof payload === 'object' ? payload : undefined;
  }
}
