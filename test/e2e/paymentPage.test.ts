import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createOrder, departmentWithFee, getOrder, issueNotice } from '../support/orders';

/** The sandbox provider's hosted payment page on a phone (real Chromium, a phone's viewport and touch). */
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('the hosted payment page', () => {
  it('is Chinese, fits a phone, and 支付 pays and returns the payer to the merchant', async () => {
    const d = await departmentWithFee(3550);
    const n = await issueNotice(d);
    const back = `${inject('gatewayUrl')}/`;
    const o = (await createOrder([n], back)).body;
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto(o.redirectUrl);
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.locator('#amount').innerText()).toBe('¥35.50');
    const pay = page.getByRole('button', { name: '支付' });
    const cancel = page.getByRole('button', { name: '取消' });
    for (const button of [pay, cancel]) {
      const box = (await button.boundingBox())!;
      expect(box.height).toBeGreaterThanOrEqual(44); // a thumb's target
      expect(box.x + box.width).toBeLessThanOrEqual(360);
    }
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    await pay.tap();
    await page.waitForURL((u) => u.searchParams.get('out_trade_no') === o.providerOrderId);
    const end = Date.now() + 5000;
    let r = await getOrder(o);
    while (r.body.status === 'created' && Date.now() < end) r = await getOrder(o);
    expect(r.body.status).toBe('succeeded');
    await context.close();
  });
});
