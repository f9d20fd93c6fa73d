import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, token, uniq } from '../support/api';
import { createOrder } from '../support/orders';
import { startReceiver, type Receiver } from '../support/webhookReceiver';
import { checkAccessibility, gateway, launch, openScreen, signIn } from './consoleSupport';

/**
 * The department issues a notice and prints it, and adds its system's webhook endpoint (the secret
 * shown once); the window clerk takes the notice in cash and prints the receipt; a second payment
 * of it is refused with a sentence, and so is a notice an online payment order holds; a card
 * payment; the window's day by channel with the cash to deposit; the department sees its notice
 * paid and the signed delivery of notice.paid to its system. Signed in through the local OpenID
 * Provider's login page, in the Chinese UI, axe on every screen.
 */
let browser: Browser;
let receiver: Receiver;
const FEE = `E2E-${uniq()}`;
let noticeNo = '';
/** Notices of D01 issued over the API: one an online order holds, one paid by card. */
let held: { noticeNo: string; expiresAt: string };
let byCard = '';
const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
const yuan = (fen: number) => `${Math.floor(fen / 100).toLocaleString('en-US')}.${String(fen % 100).padStart(2, '0')}`;

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
  const dept = await token({ role: 'department', dept: 'D01' });
  const issue = async () => {
    const r = await api('POST', '/v1/notices', {
      token: dept,
      body: {
        payer: { name: '赵六', idType: 'passport', idNumber: 'E87654321' },
        lines: [{ feeCode: FEE, quantity: 2 }],
      },
    });
    expect(r.status).toBe(201);
    return r.body as { noticeNo: string; checkCode: string };
  };
  const pending = await issue();
  const order = await createOrder([pending]);
  expect(order.status).toBe(201);
  held = { noticeNo: pending.noticeNo, expiresAt: order.body.expiresAt };
  byCard = (await issue()).noticeNo;
  receiver = await startReceiver();
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await receiver?.close();
});

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

  it('adds its system’s webhook endpoint and sees the signing secret once', async () => {
    await page.getByLabel('接收地址').fill(receiver.url);
    await page.getByRole('button', { name: '添加接收地址' }).click();
    await page.getByTestId('secret').waitFor();
    const secret = await page.getByTestId('secret').innerText();
    expect(secret).toMatch(/^whsec_/);
    receiver.secret = secret; // the receiver verifies each delivery's signature with it
    const row = page.getByTestId('endpoints').getByRole('row', { name: new RegExp(receiver.url) });
    expect(await row.innerText()).toContain('通知书已缴款');
    await checkAccessibility(page, 'webhooks with the secret');
    // Shown once: opening the screen again, the list has the endpoint and nothing shows the secret.
    await openScreen(page, '缴款通知书');
    await openScreen(page, '业务系统接口', '业务系统接口（Webhook）');
    await page
      .getByTestId('endpoints')
      .getByRole('row', { name: new RegExp(receiver.url) })
      .waitFor();
    expect(await page.getByTestId('secret').count()).toBe(0);
    expect(await page.locator('main').innerText()).not.toContain(secret);
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

  it('explains a notice an online payment order holds (409 notice-payment-pending) with its expiry', async () => {
    await page.getByRole('button', { name: '移除' }).click();
    await page.getByLabel('缴款码（通知书编号）').fill(held.noticeNo);
    await page.getByLabel('缴款码（通知书编号）').press('Enter');
    await page.locator(`[data-notice="${held.noticeNo}"]`).waitFor();
    expect(await page.getByTestId('due').innerText()).toBe('40.00 元');
    await page.getByRole('button', { name: '确认收款' }).click();
    const alert = page.getByRole('alert').filter({ hasText: '网上缴费' });
    await alert.waitFor();
    const text = await alert.innerText();
    expect(text).toContain(`通知书 ${held.noticeNo}：该通知书正在网上缴费中`);
    const expires = new Intl.DateTimeFormat('zh-CN', {
      timeZone: 'Asia/Shanghai',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    }).format(new Date(held.expiresAt));
    expect(text).toContain(`（订单 ${expires} 过期）`);
    expect(text).not.toMatch(/online payment pending|noticeNos/);
    await checkAccessibility(page, 'counter refusing a held notice');
    await page.getByRole('button', { name: '移除' }).click();
  });

  it('takes a notice by card with the POS reference', async () => {
    await page.getByLabel('缴款码（通知书编号）').fill(byCard);
    await page.getByLabel('缴款码（通知书编号）').press('Enter');
    await page.locator(`[data-notice="${byCard}"]`).waitFor();
    await page.getByRole('radio', { name: '银行卡' }).click({ force: true });
    await page.getByLabel('POS 参考号 / 转账流水号').fill(`POS${uniq()}`);
    await page.getByRole('button', { name: '确认收款' }).click();
    await page.getByTestId('receipt-total').waitFor();
    expect(await page.getByTestId('receipt-total').innerText()).toBe('40.00 元');
    await page.getByRole('button', { name: '下一位' }).click();
  });

  it('shows the window’s day: counts and totals by channel in yuan, and the cash to deposit', async () => {
    await openScreen(page, '本窗口日结', /本窗口日结/);
    await page.getByTestId('deposit').waitFor();
    await checkAccessibility(page, 'window day');
    const clerk = await token({ role: 'clerk', window: 'W01' });
    // W01 is every test's window: read the screen between two equal API reads of the day.
    for (let attempt = 0; ; attempt++) {
      const before = (await api('GET', `/v1/windows/W01/days/${today}`, { token: clerk })).body;
      await page.getByRole('button', { name: '查询' }).click();
      await page.getByTestId('day-payments').getByRole('row').nth(before.payments.length).waitFor();
      const screen = {
        deposit: await page.getByTestId('deposit').innerText(),
        total: await page.getByTestId('day-total').innerText(),
        channels: await page.getByTestId('by-channel').locator('tbody tr').allInnerTexts(),
        payments: await page.getByTestId('day-payments').locator('tbody tr').count(),
      };
      const after = (await api('GET', `/v1/windows/W01/days/${today}`, { token: clerk })).body;
      if (JSON.stringify(before) !== JSON.stringify(after) && attempt < 5) continue;
      const names: Record<string, string> = { cash: '现金', card: '银行卡', transfer: '转账', online: '网上缴费' };
      const cash = after.byChannel.find((c: { channel: string }) => c.channel === 'cash');
      expect(cash.amount).toBeGreaterThanOrEqual(2000);
      expect(after.byChannel.find((c: { channel: string }) => c.channel === 'card').amount).toBeGreaterThanOrEqual(
        4000,
      );
      expect(screen.deposit).toBe(`${yuan(cash.amount)} 元`);
      const count = after.byChannel.reduce((n: number, c: { count: number }) => n + c.count, 0);
      const sum = after.byChannel.reduce((n: number, c: { amount: number }) => n + c.amount, 0);
      expect(screen.total).toBe(`全部渠道合计 ${count} 笔：${yuan(sum)} 元`);
      expect(screen.channels.map((r) => r.split(/\s+/).join(' '))).toEqual(
        after.byChannel.map((c: { channel: string; count: number; amount: number }) =>
          [names[c.channel], c.count, yuan(c.amount)].join(' '),
        ),
      );
      expect(screen.payments).toBe(after.payments.length);
      break;
    }
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
  it('sees its notice paid, and notice.paid delivered, signed, to its system', async () => {
    const page = await signIn(browser, 'dept-d01');
    await page.getByRole('row', { name: new RegExp(noticeNo) }).waitFor();
    expect(await page.getByRole('row', { name: new RegExp(noticeNo) }).innerText()).toContain('已缴款');
    const got = await receiver.until((r) => r.some((x) => x.body?.data?.noticeNo === noticeNo));
    const delivery = got.find((x) => x.body.data.noticeNo === noticeNo)!;
    expect(delivery.verified).toBe(true);
    await openScreen(page, '业务系统接口', '业务系统接口（Webhook）');
    const endpoint = page.getByTestId('endpoints').getByRole('row', { name: new RegExp(receiver.url) });
    await endpoint.getByRole('button', { name: '投递记录' }).click();
    const row = page.getByTestId('deliveries').getByRole('row', { name: new RegExp(delivery.webhookId) });
    await row.waitFor();
    // Acknowledged by the receiver; the status may be read before the attempt is recorded.
    for (let i = 0; i < 20 && !(await row.innerText()).includes('已送达'); i++) {
      await page.getByRole('button', { name: '刷新' }).click();
      await page.waitForTimeout(250);
    }
    const text = await row.innerText();
    expect(text).toContain('通知书已缴款');
    expect(text).toContain('已送达');
    expect(text).toMatch(/HTTP 2\d\d/); // the receiver acknowledges with 204
    await checkAccessibility(page, 'webhook deliveries');
  });
});
