import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { api, token, uniq } from '../support/api';
import { publishAndWait } from '../support/publish';

/** The portal in a real headless Chromium (Debian's /usr/bin/chromium), against the local gateway. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (.ci/run does this)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
});

describe('portal', () => {
  it('shows the catalog, looks up a notice, pays it online and verifies the receipt', async () => {
    const admin = await token({ role: 'admin' });
    const dept = `D${uniq()}`;
    const code = `WEB-${uniq()}`;
    await api('POST', '/v1/departments', { token: admin, body: { id: dept, name: '市场监管局' } });
    const created = await api('POST', '/v1/fee-items', {
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
    expect(created.status).toBe(201);
    const issuedBy = await token({ role: 'department', dept });
    // The fee item is in force from today (the business date), so a notice can be issued now.
    const notice = await api('POST', '/v1/notices', {
      token: issuedBy,
      body: {
        payer: { name: '王小明', idType: 'passport', idNumber: 'E12345678' },
        lines: [{ feeCode: code, quantity: 2 }],
      },
    });
    expect(notice.status).toBe(201);

    await page.goto(inject('gatewayUrl') + '/');
    await page.locator(`#catalog-table tr[data-code="${code}"]`).waitFor();
    expect(await page.locator(`#catalog-table tr[data-code="${code}"]`).innerText()).toContain('10.50 元');
    expect(await page.locator(`#catalog-table tr[data-code="${code}"]`).innerText()).toContain(`市场监管局 (${dept})`);

    await page.fill('#lookup-form [name=noticeNo]', notice.body.noticeNo);
    await page.fill('#lookup-form [name=checkCode]', notice.body.checkCode);
    await page.click('#lookup-form button[type=submit]');
    const card = page.locator(`.notice-card[data-notice="${notice.body.noticeNo}"]`);
    await card.waitFor();
    const cardText = await card.innerText();
    expect(cardText).toContain('21.00 元');
    expect(cardText).not.toContain('王小明'); // the payer's view is masked

    // The provider's hosted page (the sandbox), then back to the portal with the receipt.
    await page.click('#pay-online');
    await page.getByRole('button', { name: '支付' }).click();
    await page.locator('#receipt-card').waitFor();
    const receiptNo = await page.locator('#receipt-no').innerText();
    const checkCode = await page.locator('#receipt-check').innerText();
    expect((await api('GET', `/v1/notices/${notice.body.noticeNo}`, { token: issuedBy })).body.status).toBe('paid');

    await page.fill('#verify-form [name=receiptNo]', receiptNo);
    await page.fill('#verify-form [name=checkCode]', checkCode);
    await page.click('#verify-form button[type=submit]');
    await page.locator('#verify-verdict').waitFor();
    expect(await page.locator('#verify-verdict').innerText()).toContain('Genuine receipt');

    await page.fill('#verify-form [name=checkCode]', 'WRONG0000');
    await page.click('#verify-form button[type=submit]');
    await page.waitForFunction("!document.querySelector('#verify-verdict')?.textContent?.includes('Genuine')");
  });

  it('signs up for an open-data key and charts every published dataset', async () => {
    const finance = await token({ role: 'finance' });
    await publishAndWait(finance);

    await page.goto(inject('gatewayUrl') + '/#open-data');
    await page.evaluate('localStorage.clear()');
    await page.reload();
    await page.fill('#key-form [name=name]', 'Data journalist');
    await page.fill('#key-form [name=email]', 'journalist@example.org');
    await page.fill('#key-form [name=purpose]', 'charts of public fees');
    await page.click('#key-form button[type=submit]');
    for (const id of ['fee-catalog', 'monthly-collections', 'daily-channel-volume', 'notice-to-payment-time'])
      await page.locator(`.dataset[data-dataset="${id}"]`).waitFor();
    // The catalog was published above with at least one fee item, so its chart has bars.
    await page.locator('.dataset[data-dataset="fee-catalog"] svg.chart rect').first().waitFor();
    expect(await page.locator('#datasets .error').count()).toBe(0);
    // Each dataset links its latest release's public CSV file, which downloads without a key.
    const csv = await page.locator('.dataset[data-dataset="fee-catalog"] a.download').getAttribute('href');
    expect(csv).toMatch(/\/open-data\/fee-catalog\/[0-9A-Za-z-]+\.csv$/);
    expect((await fetch(csv!)).status).toBe(200);
  });
});
