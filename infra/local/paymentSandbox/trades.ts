import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { beijing, beijingDate, signedNotification, yuan, type Params } from './protocol';

/**
 * The sandbox provider's trades and its notifier. A trade is made when the payer opens the hosted
 * page (as Alipay's wap pay makes it), paid or closed there or by the test control, and every change
 * a merchant must learn is posted to its notify_url, signed, and retried until it answers `success`.
 */
export type TradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED';

export interface Trade {
  appId: string;
  outTradeNo: string;
  tradeNo: string;
  /** Fen. */
  amount: number;
  subject: string;
  notifyUrl: string;
  returnUrl?: string;
  expiresAtMs: number;
  status: TradeStatus;
  paidAtMs?: number;
  /** Refunded fen per out_request_no. */
  refunds: Record<string, number>;
  /** When each refund was paid (epoch ms), per out_request_no. */
  refundedAtMs?: Record<string, number>;
  /** The trade changed and the merchant has not acknowledged the notification yet (resumed after a restart). */
  unacknowledged?: boolean;
}

export interface NotifierOptions {
  privateKey: string;
  /** Delays between attempts of one delivery; the last repeats until acknowledged. */
  retryDelaysMs: number[];
  now: () => number;
  /**
   * Where the trades are kept across restarts (`npm start`: DATA_DIR/sandbox/trades.json), so a payer
   * who opened the page before a restart can still pay, and an unacknowledged notification is sent
   * again; without it the trades live in memory only (the test suite's stack).
   */
  file?: string;
}

const tradeNumber = (ms: number): string =>
  `${beijingDate(ms).replaceAll('-', '')}2200${Array.from({ length: 16 }, () => randomInt(10)).join('')}`;

export class TradeBook {
  private readonly trades = new Map<string, Trade>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  /** Notifications posted (each attempt), for tests that count deliveries. */
  attempts = 0;
  /** When each trade's notification was first acknowledged (performance.now()), and who waits for it. */
  private readonly acked = new Map<string, number>();
  private readonly ackWaiters = new Map<string, ((at: number) => void)[]>();

  constructor(private readonly opts: NotifierOptions) {
    if (opts.file && existsSync(opts.file))
      for (const t of JSON.parse(readFileSync(opts.file, 'utf8')) as Trade[]) this.trades.set(t.outTradeNo, t);
  }

  /** Sends again what the merchant had not acknowledged when the sandbox stopped. */
  resume(): void {
    for (const t of this.trades.values()) if (t.unacknowledged) this.deliver(t, 0);
  }

  /** Writes every trade after a change (write then rename: a crash mid-write leaves the last whole file). */
  saved(): void {
    if (!this.opts.file) return;
    mkdirSync(dirname(this.opts.file), { recursive: true });
    const tmp = `${this.opts.file}.tmp`;
    writeFileSync(tmp, JSON.stringify([...this.trades.values()]));
    renameSync(tmp, this.opts.file);
  }

  /** The trade of a wap pay request, made on first sight (the same out_trade_no reopens it). */
  open(p: {
    appId: string;
    outTradeNo: string;
    amount: number;
    subject: string;
    notifyUrl: string;
    returnUrl?: string;
    expiresAtMs: number;
  }): Trade {
    const existing = this.trades.get(p.outTradeNo);
    if (existing) return existing;
    const trade: Trade = { ...p, tradeNo: tradeNumber(this.opts.now()), status: 'WAIT_BUYER_PAY', refunds: {} };
    this.trades.set(p.outTradeNo, trade);
    this.saved();
    return trade;
  }

  /** Resolves with the performance.now() at which the merchant first acknowledged the trade's notification. */
  whenAcknowledged(outTradeNo: string): Promise<number> {
    const at = this.acked.get(outTradeNo);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve) =>
      this.ackWaiters.set(outTradeNo, [...(this.ackWaiters.get(outTradeNo) ?? []), resolve]),
    );
  }

  private acknowledged(outTradeNo: string): void {
    const t = this.trades.get(outTradeNo);
    if (t?.unacknowledged) {
      delete t.unacknowledged;
      this.saved();
    }
    if (this.acked.has(outTradeNo)) return;
    const at = performance.now();
    this.acked.set(outTradeNo, at);
    for (const resolve of this.ackWaiters.get(outTradeNo) ?? []) resolve(at);
    this.ackWaiters.delete(outTradeNo);
  }

  get(outTradeNo: string): Trade | undefined {
    return this.trades.get(outTradeNo);
  }

  byTradeNo(tradeNo: string): Trade | undefined {
    for (const t of this.trades.values()) if (t.tradeNo === tradeNo) return t;
    return undefined;
  }

  /**
   * The payer paid (`success`) or gave up (`failure`: the trade closes). `deliveries` are the delays
   * of independent notification deliveries (a fault plan: several mean duplicates, different delays
   * reorder them among orders, none drops them); default one at once.
   */
  complete(t: Trade, outcome: 'success' | 'failure', deliveries: number[] = [0]): 'ok' | 'not-payable' | 'expired' {
    if (t.status !== 'WAIT_BUYER_PAY')
      return t.status === (outcome === 'success' ? 'TRADE_SUCCESS' : 'TRADE_CLOSED') ? 'ok' : 'not-payable';
    if (outcome === 'success' && this.opts.now() > t.expiresAtMs) return 'expired';
    t.status = outcome === 'success' ? 'TRADE_SUCCESS' : 'TRADE_CLOSED';
    if (outcome === 'success') t.paidAtMs = this.opts.now();
    if (deliveries.length) t.unacknowledged = true;
    this.saved();
    for (const delay of deliveries) this.deliver(t, delay);
    return 'ok';
  }

  /** Closing an unpaid trade; a paid one cannot be closed (ACQ.TRADE_STATUS_ERROR). */
  close(outTradeNo: string): 'closed' | 'not-exist' | 'status-error' {
    const t = this.trades.get(outTradeNo);
    if (!t) return 'not-exist';
    if (t.status === 'TRADE_SUCCESS') return 'status-error';
    t.status = 'TRADE_CLOSED';
    this.saved();
    return 'closed';
  }

  /** The notification's fields as Alipay sends them (trade_status_sync). */
  notificationOf(t: Trade): Params {
    const now = this.opts.now();
    return {
      notify_time: beijing(now),
      notify_type: 'trade_status_sync',
      notify_id: `${now}${randomInt(1e9)}`,
      app_id: t.appId,
      charset: 'utf-8',
      version: '1.0',
      trade_no: t.tradeNo,
      out_trade_no: t.outTradeNo,
      trade_status: t.status,
      total_amount: yuan(t.amount),
      receipt_amount: yuan(t.amount),
      subject: t.subject,
      ...(t.paidAtMs ? { gmt_payment: beijing(t.paidAtMs) } : {}),
    };
  }

  /** One delivery: posted after `delayMs`, then retried on the retry schedule until acknowledged. */
  private deliver(t: Trade, delayMs: number, attempt = 0): void {
    if (this.stopped) return;
    const timer = setTimeout(async () => {
      this.timers.delete(timer);
      if (this.stopped) return;
      if (await this.post(t)) return this.acknowledged(t.outTradeNo);
      const delays = this.opts.retryDelaysMs;
      this.deliver(t, delays[Math.min(attempt, delays.length - 1)] ?? 1000, attempt + 1);
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private async post(t: Trade): Promise<boolean> {
    this.attempts++;
    const body = new URLSearchParams(signedNotification(this.notificationOf(t), this.opts.privateKey));
    try {
      const r = await fetch(t.notifyUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
        signal: AbortSignal.timeout(10_000),
      });
      return r.ok && (await r.text()).trim() === 'success';
    } catch {
      return false;
    }
  }

  /** Records a refund of the trade (the gateway checked it); kept with the trade. */
  refund(t: Trade, requestNo: string, amount: number): void {
    t.refunds[requestNo] = amount;
    t.refundedAtMs = { ...t.refundedAtMs, [requestNo]: this.opts.now() };
    this.saved();
  }

  /**
   * The day's settlement file in the bank statement format finance imports
   * (`bankRef,valueDate,amount,channel,noticeNo,windowId`): one line per trade paid that day.
   */
  settlement(date: string): string {
    const lines = ['bankRef,valueDate,amount,channel,noticeNo,windowId'];
    for (const t of this.trades.values())
      if (t.paidAtMs !== undefined && beijingDate(t.paidAtMs) === date)
        lines.push(`${t.tradeNo},${date},${yuan(t.amount)},online,,`);
    return `${lines.join('\r\n')}\r\n`;
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
