import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { paymentPage } from './page';
import { beijing, fen, fromBeijing, merchantSigned, signedResponse, yuan, type Params } from './protocol';
import { TradeBook, type Trade } from './trades';

/**
 * The sandbox payment provider: its own HTTP service speaking Alipay's open platform protocol
 * (docs/adr/0015) with its own signing key. `npm start` runs it on PROVIDER_PORT; the test suite's
 * global setup runs it on a free port. Test control: POST /sandbox/orders/{out_trade_no}/complete.
 */
export interface SandboxOptions {
  port: number;
  host?: string;
  /** The merchant application the sandbox serves: its app id and public key (verifies its requests). */
  appId: string;
  merchantPublicKey: string;
  /** The sandbox's own ("platform") private key: signs responses and notifications. */
  privateKey: string;
  retryDelaysMs?: number[];
  now?: () => number;
  /** Keeps the trades in this file across restarts (`npm start`); in memory without it. */
  tradesFile?: string;
}

export interface PaymentSandbox {
  url: string;
  gatewayUrl: string;
  trades: TradeBook;
  stop(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const send = (res: ServerResponse, status: number, body: string, type = 'application/json; charset=utf-8') => {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
};

export async function startPaymentSandbox(opts: SandboxOptions): Promise<PaymentSandbox> {
  const now = opts.now ?? Date.now;
  const trades = new TradeBook({
    privateKey: opts.privateKey,
    retryDelaysMs: opts.retryDelaysMs ?? [1000, 2000, 5000, 15_000, 60_000],
    now,
    file: opts.tradesFile,
  });
  let base = '';

  const respond = (res: ServerResponse, method: string, body: Record<string, unknown>) =>
    send(res, 200, signedResponse(method, body, opts.privateKey));
  const failure = (sub: string, msg: string) => ({
    code: '40004',
    msg: 'Business Failed',
    sub_code: sub,
    sub_msg: msg,
  });

  /** The gateway's API methods (POST gateway.do), each answering a signed response. */
  const api: Record<string, (biz: Params) => Record<string, unknown>> = {
    'alipay.trade.query': (biz) => {
      const t = trades.get(biz.out_trade_no ?? '') ?? trades.byTradeNo(biz.trade_no ?? '');
      if (!t) return failure('ACQ.TRADE_NOT_EXIST', '交易不存在');
      return {
        code: '10000',
        msg: 'Success',
        trade_no: t.tradeNo,
        out_trade_no: t.outTradeNo,
        trade_status: t.status,
        total_amount: yuan(t.amount),
      };
    },
    'alipay.trade.close': (biz) => {
      const r = trades.close(biz.out_trade_no ?? '');
      if (r === 'not-exist') return failure('ACQ.TRADE_NOT_EXIST', '交易不存在');
      if (r === 'status-error') return failure('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
      return { code: '10000', msg: 'Success', out_trade_no: biz.out_trade_no };
    },
    'alipay.trade.refund': (biz) => refund(biz),
    'alipay.trade.fastpay.refund.query': (biz) => {
      const t = trades.byTradeNo(biz.trade_no ?? '') ?? trades.get(biz.out_trade_no ?? '');
      const amount = t?.refunds[biz.out_request_no ?? ''];
      if (!t || amount === undefined) return { code: '10000', msg: 'Success' };
      return {
        code: '10000',
        msg: 'Success',
        trade_no: t.tradeNo,
        out_request_no: biz.out_request_no,
        refund_amount: yuan(amount),
        refund_status: 'REFUND_SUCCESS',
        ...refundTime(t, biz.out_request_no ?? ''),
      };
    },
    'alipay.data.dataservice.bill.downloadurl.query': (biz) =>
      /^\d{4}-\d{2}-\d{2}$/.test(biz.bill_date ?? '')
        ? { code: '10000', msg: 'Success', bill_download_url: `${base}/bills/${biz.bill_date}.csv` }
        : failure('isp.bill_not_exist', '账单不存在'),
  };

  function refund(biz: Params): Record<string, unknown> {
    const t = trades.byTradeNo(biz.trade_no ?? '') ?? trades.get(biz.out_trade_no ?? '');
    const amount = fen(biz.refund_amount);
    const requestNo = biz.out_request_no ?? '';
    if (!t || t.status !== 'TRADE_SUCCESS') return failure('ACQ.TRADE_NOT_EXIST', '交易不存在');
    if (amount === undefined || !requestNo) return failure('ACQ.INVALID_PARAMETER', '参数有误');
    // A repeated out_request_no is the same refund: answered again without moving money.
    if (t.refunds[requestNo] !== undefined)
      return {
        code: '10000',
        msg: 'Success',
        trade_no: t.tradeNo,
        fund_change: 'N',
        refund_fee: yuan(t.refunds[requestNo]!),
        ...refundTime(t, requestNo),
      };
    const refunded = Object.values(t.refunds).reduce((s, a) => s + a, 0);
    if (refunded + amount > t.amount) return failure('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限');
    trades.refund(t, requestNo, amount);
    return {
      code: '10000',
      msg: 'Success',
      trade_no: t.tradeNo,
      out_trade_no: t.outTradeNo,
      fund_change: 'Y',
      refund_fee: yuan(refunded + amount),
      ...refundTime(t, requestNo),
    };
  }

  /** GET gateway.do?method=alipay.trade.wap.pay: the merchant's signed page request opens the trade. */
  function wapPay(params: Params, res: ServerResponse) {
    if (params.app_id !== opts.appId || !merchantSigned(params, opts.merchantPublicKey))
      return send(res, 400, paymentError('验签失败：请求不是商户签名的'), 'text/html; charset=utf-8');
    let biz: Params;
    try {
      biz = JSON.parse(params.biz_content ?? '') as Params;
    } catch {
      return send(res, 400, paymentError('参数有误'), 'text/html; charset=utf-8');
    }
    const amount = fen(biz.total_amount);
    if (!biz.out_trade_no || amount === undefined || !params.notify_url)
      return send(res, 400, paymentError('参数有误'), 'text/html; charset=utf-8');
    const trade = trades.open({
      appId: opts.appId,
      outTradeNo: biz.out_trade_no,
      amount,
      subject: biz.subject ?? '',
      notifyUrl: params.notify_url,
      returnUrl: params.return_url,
      expiresAtMs: biz.time_expire ? fromBeijing(biz.time_expire) : now() + 15 * 60_000,
    });
    send(res, 200, paymentPage(trade), 'text/html; charset=utf-8');
  }

  /** The page's buttons: 支付 pays, 取消 closes the trade; either returns the payer to the merchant. */
  function payerChoice(t: Trade, action: string, res: ServerResponse) {
    const outcome = trades.complete(t, action === 'pay' ? 'success' : 'failure');
    if (outcome === 'expired')
      return send(res, 409, paymentPage(t, '订单已超时，无法支付'), 'text/html; charset=utf-8');
    if (t.returnUrl) {
      const back = new URL(t.returnUrl);
      back.searchParams.set('out_trade_no', t.outTradeNo);
      back.searchParams.set('trade_no', t.tradeNo);
      res.writeHead(303, { location: back.toString() });
      return res.end();
    }
    send(res, 200, paymentPage(t, t.status === 'TRADE_SUCCESS' ? '支付成功' : '已取消'), 'text/html; charset=utf-8');
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', base);
    const query = Object.fromEntries(url.searchParams);
    if (req.method === 'GET' && url.pathname === '/gateway.do' && query.method === 'alipay.trade.wap.pay')
      return wapPay(query, res);
    if (req.method === 'POST' && url.pathname === '/gateway.do') {
      const params = { ...query, ...Object.fromEntries(new URLSearchParams(await readBody(req))) };
      const method = params.method ?? '';
      if (params.app_id !== opts.appId || !merchantSigned(params, opts.merchantPublicKey))
        return send(
          res,
          200,
          JSON.stringify({
            error_response: { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature' },
          }),
        );
      const run = api[method];
      if (!run)
        return send(
          res,
          200,
          JSON.stringify({ error_response: { code: '40004', msg: 'Business Failed', sub_code: 'isv.invalid-method' } }),
        );
      let biz: Params;
      try {
        biz = JSON.parse(params.biz_content ?? '{}') as Params;
      } catch {
        return respond(res, method, failure('ACQ.INVALID_PARAMETER', '参数有误'));
      }
      return respond(res, method, run(biz));
    }
    const pay = /^\/pay\/([\w-]{1,64})$/.exec(url.pathname);
    if (req.method === 'POST' && pay) {
      const t = trades.get(pay[1]!);
      if (!t) return send(res, 404, paymentError('交易不存在'), 'text/html; charset=utf-8');
      return payerChoice(t, new URLSearchParams(await readBody(req)).get('action') ?? '', res);
    }
    const bill = /^\/bills\/(\d{4}-\d{2}-\d{2})\.csv$/.exec(url.pathname);
    if (req.method === 'GET' && bill) return send(res, 200, trades.settlement(bill[1]!), 'text/csv; charset=utf-8');
    const control = /^\/sandbox\/orders\/([\w-]{1,64})\/complete$/.exec(url.pathname);
    if (req.method === 'POST' && control) return testControl(control[1]!, await readBody(req), res);
    if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, '{"status":"ok"}');
    send(res, 404, '{"error":"not found"}');
  }

  /** `{outcome, notify?, deliveries?}`: completes as the page would; notify false withholds the notification. */
  function testControl(outTradeNo: string, body: string, res: ServerResponse) {
    let input: { outcome?: unknown; notify?: unknown; deliveries?: unknown };
    try {
      input = JSON.parse(body || '{}') as typeof input;
    } catch {
      return send(res, 400, '{"error":"body must be JSON"}');
    }
    const t = trades.get(outTradeNo);
    if (!t) return send(res, 404, '{"error":"no trade: open the redirectUrl first, as a payer would"}');
    if (input.outcome !== 'success' && input.outcome !== 'failure')
      return send(res, 400, '{"error":"outcome: success | failure"}');
    const deliveries = Array.isArray(input.deliveries)
      ? input.deliveries.map(Number).filter((n) => n >= 0 && n < 600_000)
      : [0];
    const r = trades.complete(t, input.outcome, input.notify === false ? [] : deliveries);
    send(res, r === 'ok' ? 200 : 409, JSON.stringify({ result: r, tradeNo: t.tradeNo, status: t.status }));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 400, '{"error":"bad request"}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', resolve);
  });
  base = `http://${opts.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;
  trades.resume();
  return {
    url: base,
    gatewayUrl: `${base}/gateway.do`,
    trades,
    stop: async () => {
      trades.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Alipay's gmt_refund_pay: when the refund was paid (Beijing time). */
const refundTime = (t: Trade, requestNo: string) => {
  const at = t.refundedAtMs?.[requestNo];
  return at === undefined ? {} : { gmt_refund_pay: beijing(at) };
};

const paymentError = (message: string) =>
  `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>收银台（沙箱）</title></head><body><main><h1>无法支付</h1><p>${message}</p></main></body></html>`;
