import { createI18n } from 'vue-i18n';

/** Chinese first (the centre's staff), English on the switch in the header. */
const zhCN = {
  app: { title: '统一收费工作台', signOut: '退出登录', language: 'English', signingIn: '正在登录…', expired: '登录已过期，请重新登录。', signIn: '登录' },
  nav: {
    counter: '窗口收费', windowDay: '本窗口日结', notices: '缴款通知书', issue: '开具通知书', webhooks: '业务系统接口',
    reconcile: '对账与关账', refunds: '退款', orders: '网上缴费订单', budget: '预算指标', separation: '收支两条线报表',
    trialBalance: '试算平衡表', transactions: '记账凭证', dayProofs: '日终证明', audit: '审计日志',
    departments: '执收单位', feeItems: '收费项目',
  },
  common: {
    search: '查询', reset: '重置', submit: '提交', cancel: '取消', confirm: '确定', print: '打印', add: '新增', delete: '删除',
    refresh: '刷新', date: '日期', from: '起始日期', to: '截止日期', status: '状态', amount: '金额（元）', total: '合计（元）',
    channel: '缴款方式', time: '时间', department: '执收单位', actions: '操作', noData: '暂无数据', loading: '加载中',
    more: '加载更多', note: '备注', reason: '原因', yes: '是', no: '否', ok: '正常', notOk: '异常',
  },
  counter: {
    title: '窗口收费', noticeNo: '缴款码（通知书编号）', add: '添加', payer: '缴款人', lines: '收费明细', feeName: '项目',
    quantity: '数量', unitAmount: '单价（元）', due: '应收合计', bankRef: 'POS 参考号 / 转账流水号', collect: '确认收款',
    receipt: '收款收据', receiptNo: '票据号', checkCode: '校验码', paidAt: '收款时间', window: '窗口', remove: '移除',
    scanHint: '输入或扫描通知书上的缴款码后按回车', done: '收款成功', newPayment: '下一位',
  },
  windowDay: { title: '本窗口日结', date: '营业日', count: '笔数', deposit: '应存现金（缴存银行）', total: '全部渠道合计 {count} 笔', payments: '收款明细', paymentId: '缴款编号' },
  notices: {
    title: '缴款通知书', issue: '开具通知书', noticeNo: '通知书编号', payerName: '缴款人姓名', idType: '证件类型',
    idNumber: '证件号码', phone: '联系电话', dueDate: '缴款期限', feeItem: '收费项目', quantity: '数量', addLine: '添加项目',
    issued: '已开具', issuedAt: '开具时间', cancel: '作废', cancelReason: '作废原因', printNotice: '打印缴款通知书',
    noticeTitle: '缴款通知书', scanToPay: '扫码查询并缴款', checkCode: '校验码', lookupHint: '缴款人可扫码或在缴费网站输入缴款码和校验码查询',
  },
  webhooks: {
    title: '业务系统接口（Webhook）', url: '接收地址', events: '事件', add: '添加接收地址', secret: '签名密钥（只显示一次，请妥善保存）',
    deliveries: '投递记录', attempts: '尝试次数', lastStatus: '最近响应', nextAttempt: '下次重试', retry: '重新投递', event: '事件',
    deliveriesOf: '投递记录：{url}', eventId: '事件编号（webhook-id）', createdAt: '添加时间', lastAttempt: '最近投递时间',
  },
  reconcile: {
    title: '对账与关账', upload: '上传银行流水', drop: '将银行对账单 CSV 拖到此处，或点击选择文件', businessDate: '营业日',
    start: '开始对账', summary: '对账结果', matched: '已匹配', matchedAmount: '匹配金额', differences: '差异', kind: '差异类型',
    itemRef: '差异编号', expected: '账上金额', actual: '银行金额', resolve: '处理', resolution: '处理方式', accept: '确认并关账',
    closed: '已关账', statement: '流水', lines: '行数', loadExisting: '打开已有对账', reconciliationId: '对账编号',
  },
  refunds: { title: '退款', paymentId: '缴款编号', find: '查找缴款', refund: '退款', refundAmount: '退款金额（元）', done: '已退款，红字票据号' },
  orders: { title: '网上缴费订单', orderId: '订单号', notices: '通知书', createdAt: '下单时间', expiresAt: '过期时间', payment: '缴款编号（可退款）' },
  budget: { title: '预算指标', fiscalYear: '年度', purpose: '用途', allocate: '下达指标', allocationId: '指标编号' },
  separation: { title: '收支两条线报表', collected: '收取', refunded: '退付', settled: '已缴专户', inClearing: '在途', allocated: '指标', spent: '支出', checks: '校验' },
  ledger: { trialBalance: '试算平衡表', asOf: '截至日期', account: '科目', line: '类别', debit: '借方', credit: '贷方', balance: '余额', transactions: '记账凭证', kind: '类型', ref: '业务单号', hash: '哈希', postings: '分录' },
  proofs: { title: '日终证明', proof: '日终证明', root: 'Merkle 根', count: '笔数', signature: '签名', verify: '重新计算核验', verified: '核验一致', mismatch: '核验不一致', notClosed: '该日尚未关账，没有日终证明。' },
  audit: { title: '审计日志', actor: '操作人', action: '操作', resource: '对象', outcome: '结果', requestId: '请求编号', proof: '包含证明', verifyDay: '核验当日日志', leafIndex: '位置',
    actionHint: '操作（如 POST /v1/payments）', verifyDate: '核验营业日', sealed: '已封存（已签名）', open: '未封存（营业日结束十分钟后封存）',
    proofOf: '包含证明：{action}（{date}）', leaf: '叶子（事件哈希）', path: '路径', root: 'Merkle 根',
    proofFolds: '证明有效：沿 {steps} 步路径重新计算得到签名的 Merkle 根（当日共 {count} 条）', proofBroken: '证明无效：路径算不出签名的 Merkle 根',
    side: { left: '左', right: '右' } },
  admin: {
    departments: '执收单位', id: '编码', name: '名称', addDepartment: '新增单位', feeItems: '收费项目', code: '项目编码',
    category: '类别', legalBasis: '收费依据', approvedBy: '批准机关', pricing: '标准', fixed: '定额', perUnit: '按件',
    unit: '计量单位', effectiveFrom: '生效日期', effectiveTo: '停止日期', version: '版本', versions: '历史版本',
    asOf: '查询日期', newItem: '新增项目', newVersion: '调整标准（新版本）', retire: '停止收费', perUnitSuffix: '元/{unit}',
  },
};

type Messages = typeof zhCN;

const en: Messages = {
  app: { title: 'Fee collection console', signOut: 'Sign out', language: '中文', signingIn: 'Signing in…', expired: 'Your session has expired; please sign in again.', signIn: 'Sign in' },
  nav: {
    counter: 'Counter', windowDay: 'Window day', notices: 'Payment notices', issue: 'Issue a notice', webhooks: 'Webhooks',
    reconcile: 'Reconciliation', refunds: 'Refunds', orders: 'Online orders', budget: 'Budget allocations', separation: 'Separation report',
    trialBalance: 'Trial balance', transactions: 'Transactions', dayProofs: 'Day proofs', audit: 'Audit trail',
    departments: 'Departments', feeItems: 'Fee items',
  },
  common: {
    search: 'Search', reset: 'Reset', submit: 'Submit', cancel: 'Cancel', confirm: 'OK', print: 'Print', add: 'Add', delete: 'Delete',
    refresh: 'Refresh', date: 'Date', from: 'From', to: 'To', status: 'Status', amount: 'Amount (CNY)', total: 'Total (CNY)',
    channel: 'Channel', time: 'Time', department: 'Department', actions: 'Actions', noData: 'No data', loading: 'Loading',
    more: 'Load more', note: 'Note', reason: 'Reason', yes: 'Yes', no: 'No', ok: 'OK', notOk: 'Not OK',
  },
  counter: {
    title: 'Counter', noticeNo: 'Notice number', add: 'Add', payer: 'Payer', lines: 'Lines', feeName: 'Item',
    quantity: 'Qty', unitAmount: 'Unit (CNY)', due: 'Total due', bankRef: 'POS / transfer reference', collect: 'Collect',
    receipt: 'Receipt', receiptNo: 'Receipt no.', checkCode: 'Check code', paidAt: 'Paid at', window: 'Window', remove: 'Remove',
    scanHint: 'Type or scan the notice number, then Enter', done: 'Payment taken', newPayment: 'Next payer',
  },
  windowDay: { title: 'Window day', date: 'Business date', count: 'Count', deposit: 'Cash to deposit', total: 'All channels, {count} payments', payments: 'Payments', paymentId: 'Payment' },
  notices: {
    title: 'Payment notices', issue: 'Issue a notice', noticeNo: 'Notice no.', payerName: 'Payer name', idType: 'ID type',
    idNumber: 'ID number', phone: 'Phone', dueDate: 'Due date', feeItem: 'Fee item', quantity: 'Quantity', addLine: 'Add a line',
    issued: 'Issued', issuedAt: 'Issued at', cancel: 'Cancel', cancelReason: 'Reason for cancelling', printNotice: 'Print the notice',
    noticeTitle: 'Payment notice', scanToPay: 'Scan to look up and pay', checkCode: 'Check code', lookupHint: 'The payer scans the code or enters notice number and check code on the portal',
  },
  webhooks: {
    title: 'Webhook endpoints', url: 'URL', events: 'Events', add: 'Add an endpoint', secret: 'Signing secret (shown once: keep it safe)',
    deliveries: 'Deliveries', attempts: 'Attempts', lastStatus: 'Last status', nextAttempt: 'Next attempt', retry: 'Retry', event: 'Event',
    deliveriesOf: 'Deliveries to {url}', eventId: 'Event id (webhook-id)', createdAt: 'Added', lastAttempt: 'Last attempt',
  },
  reconcile: {
    title: 'Reconciliation and day close', upload: 'Upload a bank statement', drop: 'Drop the bank statement CSV here, or click to choose', businessDate: 'Business date',
    start: 'Reconcile', summary: 'Summary', matched: 'Matched', matchedAmount: 'Matched amount', differences: 'Differences', kind: 'Kind',
    itemRef: 'Item', expected: 'Ledger', actual: 'Bank', resolve: 'Resolve', resolution: 'Action', accept: 'Accept and close the day',
    closed: 'Closed', statement: 'Statement', lines: 'Lines', loadExisting: 'Open a reconciliation', reconciliationId: 'Reconciliation id',
  },
  refunds: { title: 'Refunds', paymentId: 'Payment id', find: 'Find the payment', refund: 'Refund', refundAmount: 'Refund (CNY)', done: 'Refunded; red receipt' },
  orders: { title: 'Online payment orders', orderId: 'Order', notices: 'Notices', createdAt: 'Ordered', expiresAt: 'Expires', payment: 'Payment (refundable)' },
  budget: { title: 'Budget allocations', fiscalYear: 'Fiscal year', purpose: 'Purpose', allocate: 'Allocate', allocationId: 'Allocation' },
  separation: { title: 'Separation of revenue and expenditure', collected: 'Collected', refunded: 'Refunded', settled: 'Settled to fiscal', inClearing: 'In clearing', allocated: 'Allocated', spent: 'Spent', checks: 'Checks' },
  ledger: { trialBalance: 'Trial balance', asOf: 'As of', account: 'Account', line: 'Line', debit: 'Debit', credit: 'Credit', balance: 'Balance', transactions: 'Transactions', kind: 'Kind', ref: 'Reference', hash: 'Hash', postings: 'Postings' },
  proofs: { title: 'Day proofs', proof: 'Day proof', root: 'Merkle root', count: 'Count', signature: 'Signature', verify: 'Recompute and verify', verified: 'Verified', mismatch: 'Mismatch', notClosed: 'That day is not closed: no proof yet.' },
  audit: { title: 'Audit trail', actor: 'Actor', action: 'Action', resource: 'Resource', outcome: 'Outcome', requestId: 'Request', proof: 'Inclusion proof', verifyDay: 'Verify the day', leafIndex: 'Index',
    actionHint: 'Action (e.g. POST /v1/payments)', verifyDate: 'Business day to verify', sealed: 'Sealed (signed)', open: 'Open (sealed ten minutes after it ends)',
    proofOf: 'Inclusion proof: {action} ({date})', leaf: 'Leaf (event hash)', path: 'Path', root: 'Merkle root',
    proofFolds: 'Valid: the {steps}-step path leads to the signed Merkle root ({count} events that day)', proofBroken: 'Invalid: the path does not lead to the signed root',
    side: { left: 'Left', right: 'Right' } },
  admin: {
    departments: 'Departments', id: 'Id', name: 'Name', addDepartment: 'Add a department', feeItems: 'Fee items', code: 'Code',
    category: 'Category', legalBasis: 'Legal basis', approvedBy: 'Approved by', pricing: 'Pricing', fixed: 'Fixed', perUnit: 'Per unit',
    unit: 'Unit', effectiveFrom: 'Effective from', effectiveTo: 'Effective to', version: 'Version', versions: 'Versions',
    asOf: 'As of', newItem: 'New fee item', newVersion: 'New version', retire: 'Retire', perUnitSuffix: 'CNY/{unit}',
  },
};

export const LOCALE_KEY = 'console-locale';

export const i18n = createI18n({
  legacy: false,
  locale: globalThis.sessionStorage?.getItem(LOCALE_KEY) === 'en' ? 'en' : 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
});
