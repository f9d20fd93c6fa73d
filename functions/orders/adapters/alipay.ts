import { AlipaySdk } from 'alipay-sdk';
import { DomainError } from '../../shared/domain/errors';
import type { PaymentProvider, ProviderNotification, ProviderTrade } from '../ports';

/**
 * The payment provider adapter: Alipay's open platform protocol (openapi gateway.do, RSA2 signatures
 * over the sorted parameters, JSON responses signed by the platform, form-encoded asynchronous
 * notifications answered `success`) through the official `alipay-sdk`. The local sandbox provider
 * speaks the same protocol with its own key, so the same adapter serves both: going live is the
 * settings below (docs/adr/0015-payment-provider.md).
 */
export interface AlipaySettings {
  appId: string;
  /** The merchant application's private key (PEM, PKCS#8). */
  privateKey: string;
  /** The platform's public key (PEM) that notifications and responses are verified with. */
  alipayPublicKey: string;
  /** `https://openapi.alipay.com/gateway.do` live; the sandbox's `/gateway.do` locally. */
  gateway: string;
  /** Where the platform posts notifications: this API's /v1/payment-providers/alipay/notifications. */
  notifyUrl: string;
  timeoutMs?: number;
}

/** Fen to Alipay's yuan string with two decimals ("20.00"), by integer arithmetic. */
export const yuanOf = (fen: number): string => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;

/** Alipay's yuan string to fen; undefined for anything but a plain amount with up to two decimals. */
export function fenOf(yuan: unknown): number | undefined {
  if (typeof yuan !== 'string' || !/^\d{1,12}(\.\d{1,2})?$/.test(yuan)) return undefined;
  const [whole, frac = ''] = yuan.split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}

/** Beijing wall-clock time (UTC+8, no daylight saving), the format Alipay's time fields use. */
export const beijingTime = (iso: string): string =>
  new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');

/** Alipay's Beijing wall-clock time ("2026-12-01 14:03:05") as an ISO instant; undefined if absent or malformed. */
export function isoOf(beijing: unknown): string | undefined {
  if (typeof beijing !== 'string' || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(beijing)) return undefined;
  return new Date(Date.parse(`${beijing.replace(' ', 'T')}+08:00`)).toISOString();
}

const STATES: Record<string, ProviderTrade['state']> = {
  WAIT_BUYER_PAY: 'pending',
  TRADE_SUCCESS: 'paid',
  TRADE_FINISHED: 'paid',
  TRADE_CLOSED: 'closed',
};

const unconfirmed = (what: string) =>
  new DomainError('provider-unconfirmed', `The payment provider did not confirm the ${what}; retry later`, undefined, {
    'retry-after': '30',
  });

type Result = Record<string, unknown>;

export class AlipayProvider implements PaymentProvider {
  readonly name = 'alipay';
  readonly acknowledgement = 'success';
  private readonly sdk: AlipaySdk;

  constructor(private readonly settings: AlipaySettings) {
    this.sdk = new AlipaySdk({
      appId: settings.appId,
      privateKey: settings.privateKey,
      alipayPublicKey: settings.alipayPublicKey,
      gateway: settings.gateway,
      keyType: 'PKCS8',
      signType: 'RSA2',
      timeout: settings.timeoutMs ?? 5000,
    });
  }

  payUrl(o: { orderId: string; amount: number; subject: string; expiresAt: string; returnUrl?: string }): string {
    return this.sdk.pageExec('alipay.trade.wap.pay', 'GET', {
      bizContent: {
        out_trade_no: o.orderId,
        total_amount: yuanOf(o.amount),
        subject: o.subject,
        product_code: 'QUICK_WAP_WAY',
        time_expire: beijingTime(o.expiresAt),
      },
      notifyUrl: this.settings.notifyUrl,
      ...(o.returnUrl ? { returnUrl: o.returnUrl } : {}),
    });
  }

  async query(orderId: string): Promise<ProviderTrade> {
    const r = await this.exec('alipay.trade.query', { out_trade_no: orderId }, 'order query');
    if (r.code !== '10000') {
      if (r.subCode === 'ACQ.TRADE_NOT_EXIST') return { state: 'unknown' };
      throw unconfirmed('order query');
    }
    const state = STATES[String(r.tradeStatus)];
    if (!state) throw unconfirmed('order query');
    return { state, tradeNo: String(r.tradeNo ?? ''), amount: fenOf(r.totalAmount) };
  }

  async close(orderId: string): Promise<'closed' | 'paid'> {
    const r = await this.exec('alipay.trade.close', { out_trade_no: orderId }, 'order close');
    if (r.code === '10000' || r.subCode === 'ACQ.TRADE_NOT_EXIST') return 'closed';
    // Alipay refuses to close a trade that was paid (or finished): the payment is recorded instead.
    if (r.subCode === 'ACQ.TRADE_STATUS_ERROR') return (await this.query(orderId)).state === 'paid' ? 'paid' : 'closed';
    throw unconfirmed('order close');
  }

  /**
   * Refunds are idempotent per out_request_no; a repeat reports no fund change, so the refund query
   * confirms it. Resolves with when the provider paid the refund (gmt_refund_pay), if it said.
   */
  async refund(r: { bankRef: string; refundId: string; amount: number }): Promise<{ refundedAt?: string }> {
    const biz = { trade_no: r.bankRef, refund_amount: yuanOf(r.amount), out_request_no: r.refundId };
    const res = await this.exec('alipay.trade.refund', biz, 'refund');
    if (res.code === '10000' && res.fundChange === 'Y') return { refundedAt: isoOf(res.gmtRefundPay) };
    const q = await this.exec(
      'alipay.trade.fastpay.refund.query',
      { trade_no: r.bankRef, out_request_no: r.refundId },
      'refund',
    );
    if (q.code === '10000' && q.refundStatus === 'REFUND_SUCCESS' && fenOf(q.refundAmount) === r.amount)
      return { refundedAt: isoOf(q.gmtRefundPay) };
    throw unconfirmed('refund');
  }

  verifyNotification(rawBody: string): ProviderNotification | undefined {
    const params = Object.fromEntries(new URLSearchParams(rawBody));
    // The signature first: nothing of an unsigned body is read, whoever sent it.
    if (!params.sign || !this.sdk.checkNotifySignV2(params)) return undefined;
    if (params.app_id !== this.settings.appId) return undefined;
    const state = STATES[params.trade_status ?? ''];
    if (!state || !params.out_trade_no) return undefined;
    return { orderId: params.out_trade_no, state, tradeNo: params.trade_no, amount: fenOf(params.total_amount) };
  }

  /** The URL of the day's settlement file (bill_type trade), in the bank statement format. */
  async settlementFileUrl(date: string): Promise<string> {
    const r = await this.exec(
      'alipay.data.dataservice.bill.downloadurl.query',
      { bill_type: 'trade', bill_date: date },
      'settlement file',
    );
    if (r.code !== '10000' || typeof r.billDownloadUrl !== 'string') throw unconfirmed('settlement file');
    return r.billDownloadUrl;
  }

  /** One signed call; a transport failure or a response whose signature does not verify is "not confirmed". */
  private async exec(method: string, bizContent: Record<string, string>, what: string): Promise<Result> {
    try {
      return (await this.sdk.exec(method, { bizContent }, { validateSign: true })) as Result;
    } catch {
      throw unconfirmed(what);
    }
  }
}
