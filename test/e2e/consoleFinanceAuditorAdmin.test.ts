import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, token, uniq } from '../support/api';
import { putAuditDay } from '../support/auditDay';
import { completeAtProvider, createOrder, openPaymentPage, waitForOrder } from '../support/orders';
import { checkAccessibility, launch, openScreen, signIn } from './consoleSupport';

/**
 * The finance bureau's reconciliation workbench, refund, budget, separation report and online
 * orders (an anomalous one among them); the auditor's trial balance, transactions, day proofs and
 * audit trail (filters, an inclusion proof folded in the browser, a day's verification); the
 * administrator's catalog. Each signed in through the local OpenID Provider's login page, in the
 * Chinese UI, axe on every screen.
 */
let browser: Browser;
let paymentId = '';
/** An online order whose notice was paid at the counter meanwhile: the provider's success makes it anomalous. */
let anomalousOrder = '';
/** The department's staff member who issued this file's notices: the audit trail's actor filter. */
const issuer = `e2e-issuer-${uniq()}`;
let issuedNoticeNo = '';
/** A past business day's audit events, sealed on first use (as the kernel writes them). */
let sealedDay: { date: string; ids: string[] };
const dept = `D${uniq()}`;
const TRANSFER = `TRF-E2E-${uniq()}`;
const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());

beforeAll(async () => {
  const admin = await token({ role: 'admin' });
  const code = `FIN-${uniq()}`;
  await api('POST', '/v1/departments', { token: admin, body: { id: dept, name: '市场监管局' } });
  await api('POST', '/v1/fee-items', {
    token: admin,
    body: {
      code,
      departmentId: dept,
      name: '营业执照副本工本费',
      category: 'administrative-fee',
      legalBasis: '《市场主体登记管理条例》',
      approvedBy: '省物价局',
      pricing: { kind: 'fixed', amount: 1050 },
    },
  });
  const deptToken = await token({ role: 'department', dept, sub: issuer });
  const clerk = await token({ role: 'clerk', window: 'W09' });
  const issue = async () => {
    const r = await api('POST', '/v1/notices', {
      token: deptToken,
      body: { payer: { name: '李四', idType: 'passport', idNumber: 'E12345678' }, lines: [{ feeCode: code }] },
    });
    expect(r.status).toBe(201);
    return r.body as { noticeNo: string; checkCode: string };
  };
  const cash = (noticeNo: string) =>
    api('POST', '/v1/payments', {
      token: clerk,
      headers: { 'idempotency-key': crypto.randomUUID() },
      body: { noticeNos: [noticeNo], channel: 'cash', amount: 1050 },
    });
  const notice = await issue();
  issuedNoticeNo = notice.noticeNo;
  const paid = await cash(notice.noticeNo);
  expect(paid.status).toBe(201);
  paymentId = paid.body.paymentId;

  // The payer orders online and leaves; the order is cancelled, the notice paid in cash at the
  // counter; then the payer pays on the page still open in another tab: money taken, no payment.
  const other = await issue();
  const order = (await createOrder([other])).body;
  expect(
    (
      await api('POST', `/v1/payment-orders/${order.orderId}/cancel`, {
        headers: { 'x-order-token': order.orderToken },
      })
    ).status,
  ).toBe(200);
  expect((await cash(other.noticeNo)).status).toBe(201);
  await openPaymentPage(order);
  expect((await completeAtProvider(order.providerOrderId, { outcome: 'success' })).status).toBe(200);
  const read = await waitForOrder(order, (s) => s === 'anomalous', 10_000);
  expect(read.body).toMatchObject({ status: 'anomalous', anomaly: 'notice-already-paid' });
  anomalousOrder = order.orderId;

  const { date, events } = await putAuditDay(3);
  sealedDay = { date, ids: events.map((e) => e.id) };
  browser = await launch();
});
afterAll(async () => browser?.close());

describe('console: finance bureau', () => {
  let page: Page;
  it('uploads a statement by drag and drop, resolves a difference with a note, and is told the day is not over', async () => {
    page = await signIn(browser, 'finance');
    await page.getByRole('heading', { level: 1, name: '对账与关账' }).waitFor();
    await checkAccessibility(page, 'reconcile');
    await page.locator('#business-date').fill(today);
    await page.locator('#business-date').press('Enter');
    const csv = `bankRef,valueDate,amount,channel,noticeNo,windowId\n${TRANSFER},${today},35.00,transfer,,\n`;
    await page
      .locator('input[type=file]')
      .setInputFiles({ name: 'statement.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByTestId('statement').waitFor();
    expect(await page.getByTestId('statement').innerText()).toContain('35.00 元');
    await page.getByRole('button', { name: '开始对账' }).click();
    const item = `ML:transfer:${TRANSFER}`;
    const form = page.locator(`form[data-item="${item}"]`);
    await form.waitFor();
    await checkAccessibility(page, 'reconciliation workbench');
    await form.getByLabel('备注').fill('已请银行核查');
    await form.getByRole('button', { name: '处理' }).click();
    await page.locator(`[data-resolved="${item}"]`).waitFor();
    expect(await page.locator(`[data-resolved="${item}"]`).innerText()).toBe('挂账待查 · 已请银行核查');
    await page.getByRole('button', { name: '确认并关账' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /该营业日尚未结束|还有未处理的差异/ })
      .waitFor();
  });

  it('refunds part of a payment with a reason: a red receipt', async () => {
    await openScreen(page, '退款');
    await page.getByLabel('缴款编号').fill(paymentId);
    await page.getByRole('button', { name: '查找缴款' }).click();
    await page.getByLabel('退款金额（元）').fill('5.00');
    await page.getByLabel('原因').fill('多收工本费');
    await checkAccessibility(page, 'refunds');
    await page.getByRole('button', { name: '退款', exact: true }).click();
    await page.getByText(/已退款，红字票据号 \S+/).waitFor();
  });

  it('allocates a budget, charts the separation report, lists online orders', async () => {
    await openScreen(page, '预算指标');
    await page.getByRole('combobox', { name: '执收单位' }).click({ force: true });
    await page.getByRole('option', { name: `市场监管局 (${dept})` }).click();
    await page.getByLabel('金额（元）').fill('1000.00');
    await page.getByLabel('用途').fill('办公设备');
    await page.getByRole('button', { name: '下达指标' }).click();
    await page.getByRole('cell', { name: '1,000.00' }).waitFor();
    await checkAccessibility(page, 'budget');
    await openScreen(page, '收支两条线报表');
    await page.getByRole('button', { name: '查询' }).click();
    await page.locator('canvas').waitFor();
    await page.getByRole('heading', { name: '校验' }).waitFor();
    await checkAccessibility(page, 'separation report');
  });

  it('lists today’s anomalous online orders with the reason, and the others by status', async () => {
    await openScreen(page, '网上缴费订单');
    const row = page.getByRole('row', { name: new RegExp(anomalousOrder) });
    await row.waitFor();
    const text = await row.innerText();
    expect(text).toContain('异常待处理');
    expect(text).toContain('通知书已在别处缴款');
    expect(text).toContain('10.50');
    await checkAccessibility(page, 'online orders');
    await page.getByRole('combobox', { name: '状态' }).click({ force: true });
    await page.getByRole('option', { name: '已取消' }).click();
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByRole('row', { name: new RegExp(anomalousOrder) }).waitFor({ state: 'detached' });
  });
});

describe('console: auditor', () => {
  let page: Page;
  it('reads the trial balance, the day’s transactions and day proofs', async () => {
    page = await signIn(browser, 'auditor');
    await page.getByRole('heading', { level: 1, name: '试算平衡表' }).waitFor();
    await page.getByTestId('totals').waitFor();
    expect(await page.getByTestId('totals').innerText()).toContain('正常');
    await checkAccessibility(page, 'trial balance');
    await openScreen(page, '记账凭证');
    await page
      .getByRole('cell', { name: /借 10\.50/ })
      .first()
      .waitFor();
    // Kinds in Chinese, not the API's codes.
    await page.getByRole('cell', { name: '缴款', exact: true }).first().waitFor();
    expect(await page.getByRole('cell', { name: 'payment', exact: true }).count()).toBe(0);
    await checkAccessibility(page, 'transactions');
    await openScreen(page, '日终证明');
    // The day defaults to today (Beijing).
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByText('该日尚未关账，没有日终证明。').waitFor();
    await checkAccessibility(page, 'day proofs');
  });

  it('filters the audit trail by actor and action, and explains that today has no proof yet', async () => {
    await openScreen(page, '审计日志');
    // Today's events on opening, before any filter.
    await page.getByTestId('events').locator('tbody tr').first().waitFor();
    await checkAccessibility(page, 'audit trail');
    await page.getByRole('textbox', { name: '操作人' }).fill(issuer);
    await page.getByRole('textbox', { name: '操作', exact: true }).fill('POST /v1/notices');
    await page.getByRole('button', { name: '查询' }).click();
    const rows = page.getByTestId('events').locator('tbody tr');
    // Two notices issued by this actor today, both written with their change (the unfiltered list
    // stays on screen until the filtered answer arrives: wait for the answer, not for any two rows).
    await expect.poll(() => rows.count()).toBe(2);
    for (const text of await rows.allInnerTexts()) {
      expect(text).toContain(`${issuer} · 执收单位`);
      expect(text).toContain('POST /v1/notices');
      expect(text).toContain('已生效');
    }
    await checkAccessibility(page, 'audit trail filtered');
    await rows.first().getByRole('button', { name: '包含证明' }).click();
    await page.getByRole('alert').filter({ hasText: '尚未封存' }).waitFor();
    expect(issuedNoticeNo).not.toBe('');
  });

  it('shows a sealed day’s event with its inclusion proof folded to the signed root, and verifies the day', async () => {
    await page.getByRole('textbox', { name: '操作人' }).fill('');
    await page.getByRole('textbox', { name: '操作', exact: true }).fill('');
    for (const name of ['起始日期', '截止日期']) {
      const box = page.getByRole('combobox', { name }).or(page.getByRole('textbox', { name }));
      await box.fill(sealedDay.date);
      await box.press('Enter');
      await box.press('Escape'); // the picker's panel closes, as the user would leave it
    }
    await page.getByRole('button', { name: '查询' }).click();
    const rows = page.getByTestId('events').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    await rows.nth(1).getByRole('button', { name: '包含证明' }).click();
    await page.getByTestId('proof-check').waitFor();
    expect(await page.getByTestId('proof-check').innerText()).toContain('证明有效');
    expect(await page.getByTestId('proof-check').innerText()).toContain('当日共 3 条');
    expect(await page.getByTestId('proof').innerText()).toMatch(/Merkle 根\s+[0-9a-f]{64}/);
    await checkAccessibility(page, 'inclusion proof');
    const day = page.locator('#verify-date');
    await day.fill(sealedDay.date);
    await day.press('Enter');
    await day.press('Escape');
    await page.getByRole('button', { name: '核验当日日志' }).click();
    await page.getByTestId('day-verification').waitFor();
    expect(await page.getByTestId('day-verification').innerText()).toContain(
      `${sealedDay.date} · 核验一致 · 笔数 3 · 已封存`,
    );
    await checkAccessibility(page, 'audit day verified');
  });

  it('keeps tokens in sessionStorage only, and asks for sign-in again when the API refuses the token', async () => {
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    const key = await page.evaluate(() => Object.keys(sessionStorage).find((k) => k.startsWith('oidc.user:')));
    expect(key).toBeDefined();
    // The token the API no longer accepts (as after expiry or revocation): its signature is broken.
    await page.evaluate((k) => {
      const user = JSON.parse(sessionStorage.getItem(k)!);
      user.access_token = `${user.access_token.slice(0, -4)}AAAA`;
      sessionStorage.setItem(k, JSON.stringify(user));
    }, key!);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: '审计日志' }).waitFor();
    await page.getByRole('menuitem', { name: '试算平衡表' }).click();
    // Still signed in at the provider: the console comes back with a fresh token, on the same screen.
    await page.getByTestId('totals').waitFor();
    const fresh = await page.evaluate((k) => JSON.parse(sessionStorage.getItem(k)!).access_token, key!);
    expect(fresh.endsWith('AAAA')).toBe(false);
  });
});

describe('console: administrator', () => {
  let page: Page;
  it('adds a department and a fee item, and reads its versions', async () => {
    page = await signIn(browser, 'admin');
    await page.getByRole('heading', { level: 1, name: '执收单位' }).waitFor();
    const id = `D${uniq()}`;
    await page.getByLabel('编码').fill(id);
    await page.getByLabel('名称').fill('自然资源局');
    await page.getByRole('button', { name: '新增单位' }).click();
    await page.getByRole('cell', { name: id }).waitFor();
    await checkAccessibility(page, 'departments');
    await openScreen(page, '收费项目');
    await checkAccessibility(page, 'fee items');
    await page.getByRole('button', { name: '新增项目' }).click();
    const dialog = page.getByRole('dialog');
    const code = `ADM-${uniq()}`;
    await dialog.getByLabel('项目编码').fill(code);
    await dialog.getByRole('combobox', { name: '执收单位' }).click({ force: true });
    await page.getByRole('option', { name: `自然资源局 (${id})` }).click();
    await dialog.getByLabel('名称').fill('不动产登记费');
    await dialog.getByLabel('收费依据').fill('《不动产登记暂行条例》');
    await dialog.getByLabel('批准机关').fill('国家发展改革委 财政部');
    await dialog.getByLabel('金额（元）').fill('80');
    await checkAccessibility(page, 'new fee item');
    await dialog.getByRole('button', { name: '提交' }).click();
    await page
      .getByRole('row', { name: new RegExp(code) })
      .getByRole('button', { name: '历史版本' })
      .click();
    await page.getByRole('heading', { name: new RegExp(`不动产登记费（${code}）`) }).waitFor();
    await checkAccessibility(page, 'fee item versions');
  });
});
