import { describe, expect, it } from 'vitest';
import { AlipayProvider, beijingTime, fenOf, yuanOf } from '../../../functions/orders/adapters/alipay';
import { signedNotification } from '../../../infra/local/paymentSandbox/protocol';
import { generateKeyPairSync } from 'node:crypto';

/** The Alipay adapter's pure parts: money in Alipay's yuan strings, Beijing time, and notification signatures. */
const keys = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
const merchant = keys();
const platform = keys();
const provider = new AlipayProvider({
  appId: 'app-1',
  privateKey: merchant.privateKey,
  alipayPublicKey: platform.publicKey,
  gateway: 'http://127.0.0.1:1/gateway.do',
  notifyUrl: 'http://127.0.0.1:2/v1/payment-providers/alipay/notifications',
});
const fields = {
  app_id: 'app-1',
  out_trade_no: 'O20261201ABCDEFGHJKMNPQRSTVWX',
  trade_no: '2026120122001',
  trade_status: 'TRADE_SUCCESS',
  total_amount: '20.05',
  notify_type: 'trade_status_sync',
};

describe('the Alipay adapter', () => {
  it('writes fen as yuan with two decimals and reads it back exactly, refusing anything else', () => {
    for (const fen of [0, 1, 10, 99, 100, 2005, 123456789]) expect(fenOf(yuanOf(fen))).toBe(fen);
    expect(yuanOf(2005)).toBe('20.05');
    expect(fenOf('20.5')).toBe(2050);
    for (const bad of ['20.055', '-1.00', '1e3', ' 20.00', '', undefined, 20]) expect(fenOf(bad)).toBeUndefined();
  });

  it('writes times in Beijing wall-clock time', () => {
    expect(beijingTime('2026-12-01T16:30:00.000Z')).toBe('2026-12-02 00:30:00');
  });

  it('reads a notification only when the provider signed it, for this app', () => {
    const signed = new URLSearchParams(signedNotification(fields, platform.privateKey)).toString();
    expect(provider.verifyNotification(signed)).toEqual({
      orderId: fields.out_trade_no,
      state: 'paid',
      tradeNo: fields.trade_no,
      amount: 2005,
    });
    // Changed after signing, signed by someone else, unsigned, or for another app: not the provider's.
    expect(provider.verifyNotification(signed.replace('20.05', '0.01'))).toBeUndefined();
    expect(
      provider.verifyNotification(new URLSearchParams(signedNotification(fields, merchant.privateKey)).toString()),
    ).toBeUndefined();
    expect(provider.verifyNotification(new URLSearchParams(fields).toString())).toBeUndefined();
    const otherApp = new URLSearchParams(signedNotification({ ...fields, app_id: 'app-2' }, platform.privateKey));
    expect(provider.verifyNotification(otherApp.toString())).toBeUndefined();
  });

  it('signs the hosted page request so that the merchant’s public key verifies it', async () => {
    const { merchantSigned } = await import('../../../infra/local/paymentSandbox/protocol');
    const url = new URL(
      provider.payUrl({
        orderId: fields.out_trade_no,
        amount: 2005,
        subject: '缴款',
        expiresAt: '2026-12-01T16:30:00.000Z',
        returnUrl: 'http://x/',
      }),
    );
    const params = Object.fromEntries(url.searchParams);
    expect(params.method).toBe('alipay.trade.wap.pay');
    expect(JSON.parse(params.biz_content!)).toMatchObject({
      out_trade_no: fields.out_trade_no,
      total_amount: '20.05',
      time_expire: '2026-12-02 00:30:00',
    });
    expect(merchantSigned(params, merchant.publicKey)).toBe(true);
    expect(
      merchantSigned({ ...params, biz_content: params.biz_content!.replace('20.05', '0.01') }, merchant.publicKey),
    ).toBe(false);
  });
});
