import type { Trade } from './trades';
import { yuan } from './protocol';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The hosted payment page (收银台): Chinese first, one column, large buttons, works on a phone. */
export function paymentPage(t: Trade, note = ''): string {
  const open = t.status === 'WAIT_BUYER_PAY';
  const state = { WAIT_BUYER_PAY: '待支付', TRADE_SUCCESS: '已支付', TRADE_CLOSED: '已关闭' }[t.status];
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>收银台（沙箱）</title>
<style>
body{font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#f5f5f5;color:#222}
main{max-width:28rem;margin:0 auto;padding:1.5rem 1rem}
.card{background:#fff;border-radius:12px;padding:1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.amount{font-size:2.25rem;font-weight:600;margin:.5rem 0}
button{display:block;width:100%;min-height:48px;font-size:1.1rem;border:0;border-radius:8px;margin-top:.75rem}
.pay{background:#1677ff;color:#fff}.cancel{background:#eee;color:#333}
small{color:#666}
</style>
</head>
<body>
<main>
<div class="card">
<h1>收银台 <small>沙箱 Sandbox</small></h1>
<p>${escapeHtml(t.subject)}</p>
<p class="amount" id="amount">¥${yuan(t.amount)}</p>
<p>订单号 <code>${escapeHtml(t.outTradeNo)}</code> · 状态 <strong id="state">${state}</strong></p>
${note ? `<p role="status">${escapeHtml(note)}</p>` : ''}
${
  open
    ? `<form method="post" action="/pay/${encodeURIComponent(t.outTradeNo)}">
<button class="pay" name="action" value="pay" type="submit">支付</button>
<button class="cancel" name="action" value="cancel" type="submit">取消</button>
</form>`
    : t.returnUrl
      ? `<p><a href="${escapeHtml(t.returnUrl)}">返回商户</a></p>`
      : ''
}
</div>
</main>
</body>
</html>`;
}
