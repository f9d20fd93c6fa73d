/**
 * The local OpenID Provider's pages, in Chinese (the centre's staff read Chinese first): the login
 * form (labels 用户名 and 密码, button 登录), the sign-out confirmation and the error page. Plain
 * HTML with labels, a main landmark and enough contrast for axe; no external fonts or scripts.
 */
const STYLE = `body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;background:#f2f3f5;margin:0;color:#1f2329}
main{max-width:360px;margin:10vh auto;background:#fff;padding:32px;border-radius:8px;box-shadow:0 2px 8px rgba(0,0,0,.12)}
h1{font-size:20px;margin:0 0 24px}label{display:block;margin:16px 0 6px;font-weight:600}
input{width:100%;box-sizing:border-box;padding:10px;border:1px solid #767676;border-radius:4px;font-size:16px}
button{margin-top:24px;width:100%;padding:10px;border:0;border-radius:4px;background:#1d4ed8;color:#fff;font-size:16px;cursor:pointer}
button.secondary{background:#fff;color:#1d4ed8;border:1px solid #1d4ed8;margin-top:12px}
p.error{color:#b91c1c;font-weight:600}p.hint{color:#4b5563;font-size:14px}`;

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>
<style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

export function loginPage(opts: { action: string; username?: string; failed?: boolean }): string {
  const error = opts.failed ? '<p class="error" role="alert">用户名或密码不正确，请重新输入。</p>' : '';
  return page(
    '登录 · 行政服务中心统一收费',
    `<h1>行政服务中心统一收费 · 工作人员登录</h1>${error}
<form method="post" action="${escapeHtml(opts.action)}" autocomplete="off">
<label for="username">用户名</label>
<input id="username" name="username" autocomplete="username" required value="${escapeHtml(opts.username ?? '')}">
<label for="password">密码</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">登录</button></form>
<p class="hint">本地演示账号：admin、finance、auditor、dept-d01、clerk-w01</p>`,
  );
}

/** RP-initiated logout: oidc-provider hands us its form; the staff member confirms with one button. */
export function logoutPage(form: string): string {
  return page(
    '退出登录',
    `<h1>退出登录</h1>${form}<p>确认退出统一收费系统吗？</p>
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>确认退出</button>
<button type="submit" form="op.logoutForm" class="secondary">取消</button>`,
  );
}

export function loggedOutPage(): string {
  return page('已退出', '<h1>您已退出登录</h1><p><a href="/console/">重新登录</a></p>');
}

export function errorPage(message: string): string {
  return page('登录出错', `<h1>登录出错</h1><p class="error" role="alert">${escapeHtml(message)}</p>`);
}
