import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, token, uniq } from '../support/api';
import { checkAccessibility, gateway, launch, openScreen, signIn } from './consoleSupport';

/**
 * The department issues a notice and prints it; the window clerk takes it in cash and prints the
 * receipt; a second payment of it is refused with a sentence. Both signed in through the local
 * OpenID Provider's login page, in the Chinese UI, axe on every screen.
 */
let browser: Browser;
const FEE = `E2E-${uniq()}`;
let noticeNo = '';

beforeAll(async () => {
  const admin = await token({ role: 'admin' });
  await api('POST', '/v1/departments', { token: admin, body: { id: 'D01', name: '公安局' } }); // 201, or 409 when there
  const fee = await api('POST', '/v1/fee-items', {
    token: admin,
    body: {
      code: FEE,
      departmentId: 'D01',
      name: '居民身份证工本费',
      category: 'administrative-fee',
      legalBasis: '《居民身份证法》',
      approvedBy: '国家发展改革委 财政部',
      pricing: { kind: 'fixed', amount: 2000 },
    },
  });
  expect(fee.status).toBe(201);
  browser = await launch();
});
afterAll(async () => browser?.close());

describe('console: department', () => {
  let page: Page;
  it('signs in as dept-d01 and sees its notices', async () => {
    page = await signIn(browser, 'dept-d01');
    await page.getByRole('heading', { level: 1, name: '缴款通知书' }).waitFor();
    expect(await page.getByTestId('who').innerText()).toContain('执收单位 D01');
    await checkAccessibility(page, 'notices');
  });

  it('issues a notice from its own fee items and prints it with a QR code to the portal look-up', async () => {
    await openScreen(page, '开具通知书');
    await checkAccessibility(page, 'issue notice');
    await page.getByLabel('缴款人姓名').fill('王小明');
    await page.getByLabel('证件号码').fill('11010519491231002Y'); // wrong check digit
    await page.getByLabel('证件号码').blur();
    await page.getByText('居民身份证号码应为 18 位且校验位正确').waitFor();
    await page.getByLabel('证件号码').fill('11010519491231002X');
    await page.getByRole('combobox', { name: '收费项目 1' }).click({ force: true });
    await page.getByRole('option', { name: new RegExp(FEE) }).click();
    await page.getByRole('button', { name: '开具通知书' }).last().click();
    await page.getByTestId('notice-no').waitFor();
    noticeNo = await page.getByTestId('notice-no').innerText();
    const checkCode = await page.getByTestId('check-code').innerText();
    expect(await page.getByTestId('total').innerText()).toBe('20.00 元');
    expect(await page.getByTestId('qr').getAttribute('data-url')).toBe(
      `${gateway()}/?${new URLSearchParams({ n: noticeNo, c: checkCode })}`,
    );
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('缴款通知书');
    await checkAccessibility(page, 'notice print');
  });

  it('lists the notice as 待缴款 and opens the webhooks screen', async () => {
    await openScreen(page, '缴款通知书');
    await page.locator(`[data-status]`).first().waitFor();
    expect(await page.getByRole('row', { name: new RegExp(noticeNo) }).innerText()).toContain('待缴款');
    await checkAccessibility(page, 'notices with rows');
    await openScreen(page, '业务系统接口', '业务系统接口（Webhook）');
    await checkAccessibility(page, 'webhooks');
  });

  it('signs out: the provider session ends, the console asks for sign-in again', async () => {
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.getByRole('button', { name: '确认退出' }).click();
    await page.getByLabel('用户名').waitFor();
    expect(await page.evaluate(() => JSON.stringify(localStorage))).toBe('{}');
  });
});

describe('console: window clerk', () => {
  let page: Page;
  it('takes the notice in cash, shows the masked payer, prints the receipt', async () => {
    page = await signIn(browser, 'clerk-w01');
    await page.getByRole('heading', { level: 1, name: '窗口收费' }).waitFor();
    await checkAccessibility(page, 'counter');
    await page.getByLabel('缴款码（通知书编号）').fill(noticeNo);
    await page.getByLabel('缴款码（通知书编号）').press('Enter');
    const card = page.locator(`[data-notice="${noticeNo}"]`);
    await card.waitFor();
    const text = await card.innerText();
    expect(text).toContain('王**');
    expect(text).not.toContain('王小明');
    expect(text).toContain('公安局 (D01)');
    expect(await page.getByTestId('due').innerText()).toBe('20.00 元');
    await checkAccessibility(page, 'counter with a notice');
    await page.getByRole('button', { name: '确认收款' }).click();
    await page.getByTestId('receipt-total').waitFor();
    expect(await page.getByTestId('receipt-total').innerText()).toBe('20.00 元');
    await checkAccessibility(page, 'receipt');
  });

  it('refuses a second payment of the notice with a sentence', async () => {
    await page.getByRole('button', { name: '下一位' }).click();
    await page.getByLabel('缴款码（通知书编号）').fill(noticeNo);
    await page.getByLabel('缴款码（通知书编号）').press('Enter');
    await page.locator(`[data-notice="${noticeNo}"]`).waitFor();
    await page.getByRole('button', { name: '确认收款' }).click();
    await page.getByText('该通知书已缴款，不能重复收款或作废。').waitFor();
  });

  it('opens the window day screen', async () => {
    await openScreen(page, '本窗口日结', /本窗口日结/);
    await checkAccessibility(page, 'window day');
  });

  it('switches to English and back', async () => {
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('menuitem', { name: 'Counter' }).click();
    await page.getByRole('heading', { level: 1, name: 'Counter' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByRole('button', { name: '中文' }).click();
    await page.getByRole('heading', { level: 1, name: '窗口收费' }).waitFor();
  });
});

describe('console: department, after the payment', () => {
  it('sees its notice paid', async () => {
    const page = await signIn(browser, 'dept-d01');
    await page.getByRole('row', { name: new RegExp(noticeNo) }).waitFor();
    expect(await page.getByRole('row', { name: new RegExp(noticeNo) }).innerText()).toContain('已缴款');
  });
});
