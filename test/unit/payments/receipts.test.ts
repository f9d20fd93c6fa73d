import { describe, expect, it } from 'vitest';
import { Receipts } from '../../../functions/payments/domain/receipts';
import { clerk, department, finance, world } from './fixtures';

describe('Receipts', () => {
  async function paid() {
    const w = await world();
    const n = await w.notices.issue(department('D02'), {
      payer: { name: '王小明', idType: 'other', idNumber: '1' },
      lines: [{ feeCode: 'C-FIXED' }],
    });
    const p = (await w.payments.pay(clerk, { noticeNos: [n.noticeNo], channel: 'cash', amount: 2500 }, 'k'))
      .body as any;
    return {
      ...w,
      receipts: new Receipts(w.store, w.signer, async (s, c) => void w.lookups.push(`${s}:${c}`)),
      receipt: p.receipt,
      paymentId: p.paymentId,
    };
  }

  it('verifies the stored receipt by JWS and by code, and shows the status a refund gave it', async () => {
    const { receipts, receipt, payments, paymentId, lookups } = await paid();
    expect(await receipts.verify({ jws: receipt.jws }, 'ip')).toMatchObject({ valid: true, status: 'valid' });
    expect(await receipts.verify({ receiptNo: receipt.receiptNo, checkCode: receipt.checkCode }, 'ip')).toMatchObject({
      valid: true,
    });
    await payments.refund(finance, paymentId, { amount: 100, reason: 'r' }, 'r');
    expect(await receipts.verify({ jws: receipt.jws }, 'ip')).toMatchObject({
      valid: true,
      status: 'partially-reversed',
    });
    expect(lookups.filter((l) => l.startsWith('receipt-lookup'))).toHaveLength(1); // only the look-up by code
  });

  it('refuses a JWS signed by another key, a tampered one, and a wrong code', async () => {
    const { receipts, receipt } = await paid();
    const other = await world(); // another key pair: a valid signature, but not ours
    const forged = await other.signer.sign({ ...receipt, jws: undefined, status: undefined });
    const [h, p, s] = receipt.jws.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const altered = `${h}.${Buffer.from(JSON.stringify({ ...payload, payerName: '张*' })).toString('base64url')}.${s}`;
    for (const jws of [forged, altered, `${h}.${p}.${s.slice(0, -2)}AA`])
      expect(await receipts.verify({ jws }, 'ip')).toEqual({ valid: false, status: null });
    expect(await receipts.verify({ receiptNo: receipt.receiptNo, checkCode: 'ZZZZZZZZ' }, 'ip')).toEqual({
      valid: false,
      status: null,
    });
    await expect(receipts.get(receipt.receiptNo, 'ZZZZZZZZ', 'ip')).rejects.toMatchObject({ type: 'not-found' });
    expect(await receipts.get(receipt.receiptNo, receipt.checkCode, 'ip')).toEqual(receipt);
  });
});
