import { i18n } from './i18n';

/**
 * Every value in the staff's terms, in one place: yuan with two decimals from integer fen, Beijing
 * time, Chinese (or English) labels for statuses, channels, roles and difference kinds, and problem
 * details (RFC 9457) turned into a sentence.
 */
const zh = () => i18n.global.locale.value === 'zh-CN';

/** 123456 → "1,234.56"; exact (integer arithmetic, never a float). */
export function yuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return '—';
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(fen));
  const whole = Math.floor(abs / 100).toLocaleString('en-US');
  return `${sign}${whole}.${String(abs % 100).padStart(2, '0')}`;
}

/** "20.00 元" / "¥20.00". */
export const yuanWithUnit = (fen: number | null | undefined): string =>
  zh() ? `${yuan(fen)} 元` : `¥${yuan(fen)}`;

/** Yuan as typed ("20", "20.5", "20.50") → fen, or undefined when it is not an amount. */
export function fenOf(text: string): number | undefined {
  const m = /^\s*(\d{1,12})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

const beijing = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

/** An ISO instant in Beijing time: "2026/03/31 09:30:00". */
export const beijingTime = (iso: string | null | undefined): string => (iso ? beijing.format(new Date(iso)) : '—');

/** Today's business date in Beijing (YYYY-MM-DD). */
export const beijingToday = (): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());

type Labels = Record<string, [zh: string, en: string]>;
const LABELS: Record<string, Labels> = {
  status: {
    issued: ['待缴款', 'Issued'],
    paid: ['已缴款', 'Paid'],
    cancelled: ['已作废', 'Cancelled'],
    expired: ['已过期', 'Expired'],
    created: ['待支付', 'Created'],
    succeeded: ['支付成功', 'Succeeded'],
    failed: ['支付失败', 'Failed'],
    anomalous: ['异常待处理', 'Anomalous'],
    open: ['对账中', 'Open'],
    closed: ['已关账', 'Closed'],
    valid: ['有效', 'Valid'],
    'partially-reversed': ['部分冲红', 'Partially reversed'],
    reversed: ['已冲红', 'Reversed'],
    pending: ['待投递', 'Pending'],
    delivered: ['已送达', 'Delivered'],
    success: ['成功', 'Success'],
    failure: ['失败', 'Failure'],
    refused: ['已拒绝', 'Refused'],
  },
  // A payment order's status (a cancelled order is 已取消, a cancelled notice 已作废).
  orderStatus: {
    created: ['待支付', 'Created'],
    succeeded: ['支付成功', 'Succeeded'],
    failed: ['支付失败', 'Failed'],
    expired: ['已过期', 'Expired'],
    cancelled: ['已取消', 'Cancelled'],
    anomalous: ['异常待处理', 'Anomalous'],
  },
  // A webhook delivery's status (API.md "Webhooks"): not a payment's, so not "支付成功".
  delivery: {
    pending: ['待投递', 'Pending'],
    succeeded: ['已送达', 'Delivered'],
    failed: ['投递失败', 'Failed'],
  },
  deliveryError: {
    timeout: ['超时', 'Timed out'],
    connection: ['连接失败', 'Connection failed'],
    'address-not-allowed': ['地址不允许', 'Address not allowed'],
  },
  // Why finance must look at an anomalous online order (the provider took money, no payment was made).
  anomaly: {
    'amount-mismatch': ['支付机构确认的金额与订单不符', 'The provider confirmed another amount'],
    'notice-already-paid': ['通知书已在别处缴款（重复收款，需退还缴款人）', 'The notice was paid elsewhere meanwhile'],
    'notice-cancelled': ['通知书已作废（需退还缴款人）', 'The notice was cancelled meanwhile'],
    'notice-expired': ['通知书已过期（需退还缴款人）', 'The notice expired meanwhile'],
  },
  outcome: {
    committed: ['已生效', 'Committed'],
    succeeded: ['成功（未改动数据）', 'Succeeded'],
    refused: ['拒绝（无权限）', 'Refused'],
    rejected: ['驳回（请求有误）', 'Rejected'],
    failed: ['失败', 'Failed'],
  },
  event: {
    'notice.paid': ['通知书已缴款', 'Notice paid'],
    'notice.refunded': ['通知书已退款', 'Notice refunded'],
    'notice.cancelled': ['通知书已作废', 'Notice cancelled'],
  },
  channel: {
    cash: ['现金', 'Cash'],
    card: ['银行卡', 'Card'],
    transfer: ['转账', 'Transfer'],
    online: ['网上缴费', 'Online'],
  },
  role: {
    admin: ['系统管理员', 'Administrator'],
    finance: ['财政局', 'Finance bureau'],
    department: ['执收单位', 'Department'],
    clerk: ['窗口收费员', 'Window clerk'],
    auditor: ['审计', 'Auditor'],
  },
  category: {
    'administrative-fee': ['行政事业性收费', 'Administrative fee'],
    'government-fund': ['政府性基金', 'Government fund'],
    fine: ['罚没收入', 'Fine'],
    other: ['其他', 'Other'],
  },
  idType: {
    'resident-id': ['居民身份证', 'Resident ID'],
    passport: ['护照', 'Passport'],
    'business-licence': ['营业执照', 'Business licence'],
    other: ['其他证件', 'Other'],
  },
  difference: {
    paymentsMissingInBank: ['银行流水缺失', 'Missing in bank'],
    bankLinesMissingInLedger: ['账上缺失', 'Missing in ledger'],
    amountMismatches: ['金额不符', 'Amount mismatch'],
    duplicates: ['重复流水', 'Duplicates'],
  },
  action: {
    'matched-manually': ['人工匹配', 'Matched manually'],
    suspense: ['挂账待查', 'Suspense'],
    'write-off': ['核销', 'Write-off'],
  },
  line: {
    revenue: ['收入', 'Revenue'],
    expenditure: ['支出', 'Expenditure'],
    clearing: ['清算', 'Clearing'],
    fiscal: ['财政专户', 'Fiscal'],
    suspense: ['挂账待查', 'Suspense'],
  },
  // A ledger transaction's kind (GET /v1/ledger/transactions).
  transaction: {
    payment: ['缴款', 'Payment'],
    refund: ['退款', 'Refund'],
    settlement: ['缴入专户', 'Settlement'],
    adjustment: ['对账调整', 'Adjustment'],
    allocation: ['下达指标', 'Allocation'],
    expenditure: ['支出', 'Expenditure'],
  },
};

/** A label for a code of one kind (status, channel, role...); an unknown code is shown as it is. */
export function label(kind: keyof typeof LABELS, code: string | null | undefined): string {
  if (!code) return '—';
  const l = LABELS[kind]?.[code];
  return l ? l[zh() ? 0 : 1] : code;
}

/** The options of a kind for a select: [{value, label}]. */
export const options = (kind: keyof typeof LABELS) =>
  Object.keys(LABELS[kind] ?? {}).map((value) => ({ value, label: label(kind, value) }));

export interface Problem {
  type: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: { path: string; message: string }[];
  expiresAt?: string;
}

const SENTENCES: Record<string, [zh: string, en: string]> = {
  'notice-payment-pending': [
    '该通知书正在网上缴费中（缴款人已发起网上支付），在支付结束或订单过期前不能在窗口收款。',
    'An online payment order holds this notice; it cannot be paid at the window until the order ends or expires.',
  ],
  'notice-already-paid': ['该通知书已缴款，不能重复收款或作废。', 'This notice is already paid.'],
  'notice-cancelled': ['该通知书已作废，不能收款。', 'This notice was cancelled.'],
  'notice-expired': ['该通知书已过缴款期限，请联系开票单位重新开具。', 'This notice is past its due date.'],
  'amount-mismatch': ['收款金额与通知书应缴合计不符。', 'The amount does not equal the notices’ total.'],
  'bank-ref-duplicate': ['该交易参考号已被使用，请核对 POS 小票或转账凭证。', 'This bank reference was used already.'],
  'fee-item-other-department': ['不能开具其他单位的收费项目（搭车收费）。', 'That fee item belongs to another department.'],
  'fee-item-unknown': ['收费项目不存在或未在有效期内。', 'The fee item is unknown or not in force.'],
  'refund-exceeds-payment': ['累计退款不能超过原缴款金额。', 'Refunds may not exceed the payment.'],
  'unresolved-differences': ['还有未处理的差异，处理完才能确认关账。', 'Resolve every difference before accepting.'],
  'day-not-over': ['该营业日尚未结束（或结束未满 15 分钟），不能关账。', 'That business day has not ended, or ended less than 15 minutes ago.'],
  'department-exists': ['该单位编码已存在。', 'A department with this id exists.'],
  'fee-item-exists': ['该收费项目编码已存在。', 'A fee item with this code exists.'],
  'retroactive-change': ['新版本的生效日期不能早于今天（收费标准不能追溯调整）。', 'A new version may not start in the past.'],
  'allocation-exceeded': ['超出预算指标。', 'The allocation is exceeded.'],
  'idempotency-in-progress': ['上一次提交仍在处理中，请稍候再试。', 'The same request is still in progress.'],
  'department-unknown': ['该执收单位不存在。', 'That department does not exist.'],
  'fee-item-retired': ['该收费项目已停止收费。', 'That fee item is retired.'],
  'day-closed': ['该营业日已关账，不能再记账。', 'That business day is closed.'],
  'statement-row-invalid': ['银行流水文件有误，未导入任何一行。', 'The statement has a bad row; nothing was imported.'],
  'reconciliation-closed': ['该对账已关账。', 'This reconciliation is closed.'],
  'reconciliation-superseded': ['该营业日已有更新的对账，请打开最新一次对账。', 'A newer run of this day exists; open it.'],
  'difference-already-resolved': ['该差异已处理。', 'That difference is already resolved.'],
  'idempotency-key-reused': ['重复提交的内容与第一次不同，请刷新后重试。', 'A retry differed from the first request.'],
  'concurrent-update': ['记录刚被他人修改，请刷新后重试。', 'Someone changed this meanwhile; reload and retry.'],
  unauthorized: ['登录已过期，请重新登录。', 'Your session has expired; please sign in again.'],
  forbidden: ['您的账号无权进行此操作。', 'Your account may not do this.'],
  'not-found': ['未找到相应记录。', 'Not found.'],
  'rate-limited': ['操作过于频繁，请稍后再试。', 'Too many requests; try again shortly.'],
  'audit-day-open': [
    '该事件所在营业日尚未封存（营业日结束十分钟后封存），暂无包含证明。',
    'That event’s day is not sealed yet (ten minutes after it ends): no inclusion proof yet.',
  ],
  'audit-proof-unavailable': [
    '该事件与其哈希不符或未被签名的日志根包含，无法给出包含证明，请核验当日日志。',
    'That event does not match its hash or the signed root: verify its day.',
  ],
  'webhook-url-not-allowed': [
    '接收地址不允许：须为公网 https 地址（本地环境也可用 http://127.0.0.1）。',
    'That URL is not allowed: a public https address (locally also http://127.0.0.1).',
  ],
  'webhook-endpoint-limit': ['每个单位最多 10 个接收地址，请先删除不用的。', 'At most 10 endpoints per department.'],
  'order-not-open': ['该网上缴费订单已结束。', 'That payment order is no longer open.'],
  'provider-unconfirmed': ['支付机构尚未确认，请稍后再试。', 'The provider has not confirmed this yet; retry later.'],
  'online-payment-needs-order': ['网上缴费须由缴款人通过缴费网站下单支付。', 'Online payments go through a payment order.'],
};

/** `noticeNos.2` → the third notice's number, when the screen knows the notices it sent. */
function noticeOf(p: Problem, noticeNos: readonly string[]): string | undefined {
  const m = /^noticeNos\.(\d+)$/.exec(p.errors?.[0]?.path ?? '');
  return m ? noticeNos[Number(m[1])] : undefined;
}

/**
 * A problem as one sentence the staff member can act on, naming the fields a validation refused.
 * When the screen passes the notice numbers it sent, a problem about `noticeNos.N` names that notice
 * instead of repeating the API's English words for it.
 */
export function problemSentence(p: Problem, sent: { noticeNos?: readonly string[] } = {}): string {
  const slug = p.type.split('/').pop() ?? '';
  if (slug === 'validation-failed' && p.errors?.length) {
    const fields = p.errors.map((e) => `${e.path}: ${e.message}`).join('；');
    return zh() ? `填写有误：${fields}` : `Please correct: ${fields}`;
  }
  const s = SENTENCES[slug];
  const notice = sent.noticeNos ? noticeOf(p, sent.noticeNos) : undefined;
  const rest = (p.errors ?? []).filter((e) => !(notice && /^noticeNos\.\d+$/.test(e.path)));
  const fields = rest.length ? `（${rest.map((e) => `${e.path}: ${e.message}`).join('；')}）` : '';
  const about = notice ? (zh() ? `通知书 ${notice}：` : `Notice ${notice}: `) : '';
  const sentence = about + (s ? s[zh() ? 0 : 1] : (p.detail ?? p.title ?? slug)) + fields;
  const until = p.expiresAt ? (zh() ? `（订单 ${beijingTime(p.expiresAt)} 过期）` : ` (until ${beijingTime(p.expiresAt)})`) : '';
  return sentence + until;
}

/** A payer's name as the payer's view shows it, when the full view gives it unmasked. */
export function maskName(name: string): string {
  const chars = [...name];
  return chars.length <= 1 ? name : `${chars[0]}${'*'.repeat(chars.length - 1)}`;
}
