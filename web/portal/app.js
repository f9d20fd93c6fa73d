// The portal: plain ES module, no build step. It only calls the public API (API.md); every value
// from the server is inserted as text, never as HTML.
const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c ?? '')));
  return node;
};
/** Integer fen → "1,234.50 元" without floating point. */
const yuan = (fen) => {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.trunc(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')} 元`;
};
const problemText = (body, status) => (body && body.detail ? `${body.title}: ${body.detail}` : `Request failed (${status})`);

async function call(method, path, { body, headers = {} } = {}) {
  const res = await fetch(path, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { ok: res.ok, status: res.status, body: json };
}

// ---- Fee catalog -------------------------------------------------------------------------------
const pricingText = (p) => (p.kind === 'fixed' ? yuan(p.amount) : `${yuan(p.unitAmount)} / ${p.unit}`);

async function showCatalog(asOf) {
  const tbody = $('#catalog-table tbody');
  tbody.replaceChildren();
  // A public catalog shows every fee in force: follow the list's pages (500 per page at most).
  const query = `limit=500${asOf ? `&asOf=${encodeURIComponent(asOf)}` : ''}`;
  // Departments by name, as a payer knows them (the code stays beside it); read alongside the first
  // page, and a failed read shows codes only.
  const departments = call('GET', '/v1/departments');
  let r = await call('GET', `/v1/fee-items?${query}`);
  if (!r.ok) return tbody.append(el('tr', {}, el('td', { colspan: '8', class: 'error' }, problemText(r.body, r.status))));
  const items = [...r.body.items];
  while (r.ok && r.body.nextCursor) {
    r = await call('GET', `/v1/fee-items?${query}&cursor=${encodeURIComponent(r.body.nextCursor)}`);
    if (r.ok) items.push(...r.body.items);
  }
  const depts = await departments;
  const deptName = new Map(depts.ok ? depts.body.items.map((d) => [d.id, d.name]) : []);
  r = { body: { items } };
  if (r.body.items.length === 0) tbody.append(el('tr', {}, el('td', { colspan: '8' }, 'No fee items in force on this date.')));
  for (const f of r.body.items)
    tbody.append(
      el(
        'tr',
        { 'data-code': f.code },
        el('td', {}, f.code),
        el('td', {}, f.name),
        el('td', {}, deptName.has(f.departmentId) ? `${deptName.get(f.departmentId)} (${f.departmentId})` : f.departmentId),
        el('td', {}, f.category),
        el('td', {}, pricingText(f.pricing)),
        el('td', {}, f.legalBasis),
        el('td', {}, f.approvedBy),
        el('td', {}, `${f.effectiveFrom} – ${f.effectiveTo ?? ''} (v${f.version})`),
      ),
    );
}
$('#catalog-form').addEventListener('submit', (e) => {
  e.preventDefault();
  showCatalog($('#catalog-asof').value);
});

// ---- Look up and pay -----------------------------------------------------------------------------
let found = []; // [{noticeNo, checkCode, notice}]
let idempotencyKey; // one key per payment attempt, reused on retry so a double click never pays twice

$('#add-notice').addEventListener('click', () => {
  const row = $('.notice-row').cloneNode(true);
  for (const input of row.querySelectorAll('input')) input.value = '';
  $('#notice-rows').append(row);
});

$('#lookup-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const box = $('#notices');
  box.replaceChildren();
  $('#receipt').replaceChildren();
  $('#pay-box').hidden = true;
  found = [];
  idempotencyKey = crypto.randomUUID();
  for (const row of document.querySelectorAll('.notice-row')) {
    const noticeNo = row.querySelector('[name=noticeNo]').value.trim();
    const checkCode = row.querySelector('[name=checkCode]').value.trim();
    if (!noticeNo) continue;
    const r = await call('GET', `/v1/notices/${encodeURIComponent(noticeNo)}?checkCode=${encodeURIComponent(checkCode)}`);
    if (!r.ok) {
      box.append(el('p', { class: 'error' }, `${noticeNo}: ${r.status === 404 ? 'no notice with this number and check code' : problemText(r.body, r.status)}`));
      continue;
    }
    const n = r.body;
    found.push({ noticeNo, checkCode, notice: n });
    const lines = el('ul', {}, ...n.lines.map((l) => el('li', {}, `${l.name} × ${l.quantity}: ${yuan(l.amount)}`)));
    box.append(el('div', { class: 'notice-card', 'data-notice': n.noticeNo }, el('strong', {}, `${n.noticeNo} · ${n.status}`), el('p', {}, `Payer ${n.payer.name} · issued by ${n.departmentId}`), lines, el('p', {}, `Total ${yuan(n.total)}`)));
  }
  const payable = found.filter((f) => f.notice.status === 'issued');
  if (payable.length && payable.length === found.length) {
    $('#pay-total').textContent = yuan(payable.reduce((s, f) => s + f.notice.total, 0));
    $('#pay-box').hidden = false;
  }
});

// Online payment goes through a payment order (API.md "Payment orders"): the browser never says it
// paid. The provider's hosted page sends the payer back here with out_trade_no (the order id).
$('#pay-online').addEventListener('click', async () => {
  const button = $('#pay-online');
  button.disabled = true;
  const out = $('#receipt');
  out.replaceChildren(el('p', {}, 'Ordering…'));
  const body = {
    noticeNos: found.map((f) => f.noticeNo),
    checkCodes: Object.fromEntries(found.map((f) => [f.noticeNo, f.checkCode])),
    returnUrl: `${location.origin}${location.pathname}`,
  };
  const r = await call('POST', '/v1/payment-orders', { body });
  button.disabled = false;
  if (!r.ok) return out.replaceChildren(el('p', { class: 'error' }, problemText(r.body, r.status)));
  sessionStorage.setItem(`order:${r.body.orderId}`, r.body.orderToken);
  location.assign(r.body.redirectUrl);
});

function showReceipt(rc) {
  $('#receipt').replaceChildren(
    el(
      'div',
      { class: 'receipt-card', id: 'receipt-card' },
      el('h3', {}, '财政电子票据 · Electronic fiscal receipt'),
      el('p', {}, 'Receipt number ', el('strong', { id: 'receipt-no' }, rc.receiptNo), ' · check code ', el('strong', { id: 'receipt-check' }, rc.checkCode)),
      el('p', {}, `Payer ${rc.payerName} · total ${yuan(rc.total)} · issued ${rc.issuedAt} by ${rc.issuer}`),
      el('details', {}, el('summary', {}, 'Signed JWS'), el('code', {}, rc.jws)),
    ),
  );
}

/** Back from the provider's page: the order's status as the provider confirmed it, and its receipt. */
async function showOrder(orderId) {
  const orderToken = sessionStorage.getItem(`order:${orderId}`);
  if (!orderToken) return;
  const out = $('#receipt');
  out.replaceChildren(el('p', {}, '等待支付结果 · Waiting for the payment provider…'));
  for (let i = 0; i < 20; i++) {
    const r = await call('GET', `/v1/payment-orders/${encodeURIComponent(orderId)}`, { headers: { 'x-order-token': orderToken } });
    if (!r.ok) return out.replaceChildren(el('p', { class: 'error' }, problemText(r.body, r.status)));
    if (r.body.status === 'succeeded' && r.body.receipt) return showReceipt(r.body.receipt);
    if (r.body.status !== 'created') return out.replaceChildren(el('p', { class: 'error' }, `Payment order ${r.body.status}`));
    await new Promise((res) => setTimeout(res, 500));
  }
}
const returnedOrder = new URLSearchParams(location.search).get('out_trade_no');
if (returnedOrder) showOrder(returnedOrder);

// ---- Verify a receipt ----------------------------------------------------------------------------
$('#verify-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  const out = $('#verify-result');
  const r = await call('POST', '/v1/receipts/verify', { body: { receiptNo: String(f.get('receiptNo')).trim(), checkCode: String(f.get('checkCode')).trim() } });
  if (!r.ok) return out.replaceChildren(el('p', { class: 'error' }, problemText(r.body, r.status)));
  out.replaceChildren(
    r.body.valid
      ? el('p', { class: 'ok', id: 'verify-verdict' }, `Genuine receipt, status ${r.body.status}, total ${yuan(r.body.receipt.total)}`)
      : el('p', { class: 'error', id: 'verify-verdict' }, 'Not a genuine receipt'),
  );
});

// ---- Open data -----------------------------------------------------------------------------------
const KEY_STORE = 'open-data-api-key';

function barChart(rows, labelOf, valueOf) {
  const ns = 'http://www.w3.org/2000/svg';
  const width = 640;
  const barH = 16;
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(rows.length * (barH + 4) + 4));
  const max = Math.max(1, ...rows.map((r) => valueOf(r) ?? 0));
  rows.forEach((row, i) => {
    const v = valueOf(row);
    const y = i * (barH + 4) + 2;
    const rect = document.createElementNS(ns, 'rect');
    rect.setAttribute('x', '220');
    rect.setAttribute('y', String(y));
    rect.setAttribute('height', String(barH));
    rect.setAttribute('width', String(v === null || v === undefined ? 40 : Math.max(1, (v / max) * (width - 300))));
    if (v === null || v === undefined) rect.setAttribute('class', 'suppressed');
    const label = document.createElementNS(ns, 'text');
    label.setAttribute('x', '0');
    label.setAttribute('y', String(y + 12));
    label.textContent = labelOf(row);
    const value = document.createElementNS(ns, 'text');
    value.setAttribute('x', String(225 + (v === null || v === undefined ? 40 : Math.max(1, (v / max) * (width - 300)))));
    value.setAttribute('y', String(y + 12));
    value.textContent = v === null || v === undefined ? 'suppressed' : String(v);
    svg.append(rect, label, value);
  });
  return svg;
}

async function showDatasets() {
  const box = $('#datasets');
  const apiKey = localStorage.getItem(KEY_STORE);
  if (!apiKey) return;
  $('#key-form').hidden = true;
  const headers = { 'x-api-key': apiKey };
  const list = await call('GET', '/v1/open/datasets', { headers });
  if (!list.ok) return box.replaceChildren(el('p', { class: 'error' }, problemText(list.body, list.status)));
  box.replaceChildren();
  for (const ds of list.body.items) {
    const id = ds.id ?? ds.identifier;
    const pkg = await call('GET', `/v1/open/datasets/${encodeURIComponent(id)}/datapackage.json`);
    const fields = pkg.ok ? (pkg.body.resources?.[0]?.schema?.fields ?? []) : [];
    const numeric = fields.filter((f) => f.type === 'integer' || f.type === 'number').map((f) => f.name);
    const labels = fields.filter((f) => f.type !== 'integer' && f.type !== 'number' && f.type !== 'boolean').map((f) => f.name);
    const rows = await call('GET', `/v1/open/datasets/${encodeURIComponent(id)}/rows?limit=50`, { headers });
    const section = el('div', { class: 'dataset', 'data-dataset': id }, el('h3', {}, ds.title ?? id), el('p', {}, ds.description ?? ''));
    if (!rows.ok) section.append(el('p', { class: 'error' }, problemText(rows.body, rows.status)));
    else if (rows.body.items.length === 0) section.append(el('p', {}, 'No rows published yet.'));
    else if (numeric.length)
      section.append(
        el('p', {}, `${numeric[0]} by ${labels.slice(0, 3).join(' · ')}`),
        barChart(rows.body.items, (r) => labels.slice(0, 3).map((l) => r[l]).join(' · '), (r) => r[numeric[0]]),
      );
    const csv = pkg.ok ? pkg.body.resources?.[0]?.path : undefined;
    section.append(
      el(
        'p',
        {},
        ...(csv ? [el('a', { href: csv, class: 'download' }, 'CSV (whole release, no key needed)'), ' · '] : []),
        el('a', { href: `/v1/open/datasets/${encodeURIComponent(id)}/datapackage.json` }, 'Data Package (Frictionless v2)'),
      ),
    );
    box.append(section);
  }
}

$('#key-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  const r = await call('POST', '/v1/open/keys', { body: { name: f.get('name'), email: f.get('email'), purpose: f.get('purpose') } });
  if (!r.ok) return $('#datasets').replaceChildren(el('p', { class: 'error' }, problemText(r.body, r.status)));
  localStorage.setItem(KEY_STORE, r.body.apiKey);
  showDatasets();
});

showCatalog();
showDatasets();
