import AxeBuilder from '@axe-core/playwright';
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { assertChromium, launchChromium } from '../support/chromium';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { api, token, uniq } from '../support/api';
import { publishAndWait } from '../support/publish';
import { waitForAggregation } from '../../infra/local/streams';
import { writePaymentsTable } from '../integration/opendata/support';
import { prng, syntheticPayment } from '../unit/opendata/fixtures';

/**
 * The payer portal (web/portal) in a real headless Chromium (Debian's /usr/bin/chromium) against the
 * local gateway, at a phone's viewport and a desktop's: every page is also checked with axe-core (no
 * serious or critical violation) and, at 360 px, for horizontal scrolling.
 */
const VIEWPORTS = {
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
  desktop: { viewport: { width: 1280, height: 800 } },
} as const;

let browser: Browser;
let payerProxy: Server;

/**
 * The payer's phone is a client of its own. Look-ups and order attempts are limited per client
 * (source address, a minute's window), and every API test of the run calls from 127.0.0.1: the
 * browser therefore reaches the stack (and the sandbox) through this forwarding proxy, which connects
 * from 127.0.0.2, so the e2e payer and the API tests do not use up each other's allowance.
 */
/** A POST to the gateway from another loopback address (another client, for the per-client limits). */
function postFrom(localAddress: string, path: string, body: unknown): Promise<{ status: number; text: string }> {
  return new Promise((done, fail) => {
    const req = httpRequest(
      new URL(path, base()),
      { method: 'POST', localAddress, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => done({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', fail);
    req.end(JSON.stringify(body));
  });
}

async function startPayerProxy(): Promise<Server> {
  const server = createServer((req, res) => {
    const target = new URL(req.url ?? '/');
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers: req.headers,
        localAddress: '127.0.0.2',
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.headersSent || res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return server;
}
const base = () => inject('gatewayUrl');

/** What the pages show: made through the API, one department that sorts last in open-data releases. */
const world = {
  dept: `ZZ${uniq()}`,
  deptName: '市场监督管理局',
  fee: `WEB-${uniq()}`,
  fee2: `WEB-${uniq()}`,
  /** A fee only the open-data month pays, once: a suppressed cell. */
  fee3: `WEB-${uniq()}`,
  open: [] as { noticeNo: string; checkCode: string }[],
  paid: { noticeNo: '', checkCode: '' },
  receipt: {} as { receiptNo: string; checkCode: string; issuedAt: string },
};

beforeAll(async () => {
  assertChromium();
  payerProxy = await startPayerProxy();
  const { port } = payerProxy.address() as AddressInfo;
  // Playwright proxies loopback addresses too (it adds <-loopback> to Chromium's bypass rules).
  browser = await launchChromium({ proxy: { server: `http://127.0.0.1:${port}` } });
  const admin = await token({ role: 'admin' });
  await api('POST', '/v1/departments', { token: admin, body: { id: world.dept, name: world.deptName } });
  for (const [code, name, amount] of [
    [world.fee, '营业执照副本工本费', 1050],
    [world.fee2, '计量器具检定费', 12000],
  ] as const) {
    const created = await api('POST', '/v1/fee-items', {
      token: admin,
      body: {
        code,
        departmentId: world.dept,
        name,
        category: 'administrative-fee',
        legalBasis: '《市场主体登记管理条例》',
        approvedBy: '省发展和改革委员会',
        pricing: { kind: 'fixed', amount },
      },
    });
    expect(created.status, created.text).toBe(201);
  }
  const issuedBy = await token({ role: 'department', dept: world.dept });
  const issue = async (lines: { feeCode: string; quantity?: number }[]) => {
    const n = await api('POST', '/v1/notices', {
      token: issuedBy,
      body: { payer: { name: '王小明', idType: 'passport', idNumber: 'E12345678' }, lines },
    });
    expect(n.status, n.text).toBe(201);
    return { noticeNo: n.body.noticeNo as string, checkCode: n.body.checkCode as string, total: n.body.total };
  };
  world.open = [await issue([{ feeCode: world.fee, quantity: 2 }]), await issue([{ feeCode: world.fee2 }])];
  const paid = await issue([{ feeCode: world.fee, quantity: 2 }, { feeCode: world.fee2 }]);
  world.paid = paid;
  const payment = await api('POST', '/v1/payments', {
    token: await token({ role: 'clerk', window: 'W01' }),
    body: { noticeNos: [paid.noticeNo], channel: 'cash', amount: paid.total },
    headers: { 'idempotency-key': randomUUID() },
  });
  expect(payment.status, payment.text).toBe(201);
  world.receipt = payment.body.receipt;
});

afterAll(async () => {
  await browser?.close();
  payerProxy?.close();
});

/** A fresh notice of the world's department (each payment test pays its own). */
async function freshNotice(feeCode = world.fee, quantity = 1) {
  const n = await api('POST', '/v1/notices', {
    token: await token({ role: 'department', dept: world.dept }),
    body: { payer: { name: '赵六', idType: 'passport', idNumber: 'E87654321' }, lines: [{ feeCode, quantity }] },
  });
  expect(n.status, n.text).toBe(201);
  return { noticeNo: n.body.noticeNo as string, checkCode: n.body.checkCode as string };
}

async function noSeriousViolation(page: Page, where: string) {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    where,
  ).toEqual([]);
}

const horizontalOverflow = (page: Page) =>
  page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');

/** Beijing time as the receipt prints it, worked out here independently of the page's code. */
const beijing = (iso: string) => {
  const d = new Date(Date.parse(iso) + 8 * 3600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
};

for (const [name, device] of Object.entries(VIEWPORTS)) {
  describe(`portal at the ${name} viewport (${device.viewport.width}×${device.viewport.height})`, () => {
    let context: BrowserContext;
    let page: Page;
    beforeAll(async () => {
      context = await browser.newContext({ ...device, locale: 'zh-CN', timezoneId: 'America/New_York' });
      page = await context.newPage();
    });
    afterAll(async () => {
      await context?.close();
    });

    it('shows the fee catalog with department names, yuan and legal basis, and searches it', async () => {
      await page.goto(`${base()}/catalog`);
      const item = page.locator(`.fee-item[data-code="${world.fee}"]`);
      await item.waitFor();
      const text = await item.innerText();
      for (const shown of [
        '营业执照副本工本费',
        '10.50 元',
        world.deptName,
        '《市场主体登记管理条例》',
        '省发展和改革委员会',
        '行政事业性收费',
      ])
        expect(text).toContain(shown);
      expect(text).not.toContain('administrative-fee');
      await page.getByLabel('执收单位').selectOption(world.dept);
      await page.getByLabel('关键词').fill('检定');
      await expect.poll(() => page.locator('.fee-item').count()).toBe(1);
      expect(await page.locator('.fee-item').getAttribute('data-code')).toBe(world.fee2);
      await page.getByLabel('关键词').fill('没有这样的收费');
      await page.getByText('没有符合条件的收费项目').waitFor();
      await page.getByLabel('关键词').fill('');
      await noSeriousViolation(page, 'catalog');
    });

    it('looks up two notices opened from printed QR codes (n/c pairs), masked, with Chinese labels', async () => {
      const [a, b] = world.open as [(typeof world.open)[0], (typeof world.open)[0]];
      await page.goto(`${base()}/?n=${a.noticeNo}&c=${a.checkCode}&n=${b.noticeNo}&c=${b.checkCode}`);
      await page.locator(`.notice-card[data-notice="${b.noticeNo}"]`).waitFor();
      expect(await page.getByLabel('缴款码').first().inputValue()).toBe(a.noticeNo);
      expect(await page.getByLabel('校验码').nth(1).inputValue()).toBe(b.checkCode);
      const card = await page.locator(`.notice-card[data-notice="${a.noticeNo}"]`).innerText();
      expect(card).toContain('21.00 元');
      expect(card).toContain('待缴款');
      expect(card).toContain(world.deptName);
      expect(card).not.toContain('王小明');
      expect(await page.locator('#pay-total').innerText()).toBe('141.00 元');
      await noSeriousViolation(page, 'look-up');

      // A wrong check code reads as not found, in Chinese.
      await page.goto(`${base()}/`);
      await page.getByLabel('缴款码').fill(a.noticeNo);
      await page.getByLabel('校验码').fill('WRONG000');
      await page.getByLabel('校验码').press('Enter');
      await page.getByText(`缴款码 ${a.noticeNo}：没有找到，或校验码不正确`).waitFor();
      await noSeriousViolation(page, 'look-up error');
    });

    it('finds a paid notice’s receipt again and shows it as a one-page printable receipt', async () => {
      await page.goto(`${base()}/?n=${world.paid.noticeNo}&c=${world.paid.checkCode}`);
      await page.locator('.receipt-link').click();
      await page.waitForURL(`**/r/${world.receipt.receiptNo}?c=${world.receipt.checkCode}`);
      const card = page.locator('#receipt-card');
      await card.waitFor();
      expect(await page.locator('#receipt-no').innerText()).toBe(world.receipt.receiptNo);
      expect(await page.locator('#receipt-total').innerText()).toBe('141.00 元');
      expect(await page.locator('#receipt-payer').innerText()).toBe('王**');
      expect(await page.locator('#receipt-status').innerText()).toBe('有效');
      // Beijing time, whatever the browser's own zone (this context runs in New York).
      expect(await page.locator('#receipt-time').innerText()).toBe(beijing(world.receipt.issuedAt));
      expect(await page.locator('.receipt-lines tbody tr').count()).toBe(2);
      expect(await card.innerText()).toContain('营业执照副本工本费');
      await page.locator('.qr-img svg').waitFor();
      await noSeriousViolation(page, 'receipt');

      await page.emulateMedia({ media: 'print' });
      try {
        expect(await page.locator('.tabbar').isVisible()).toBe(false);
        expect(await page.locator('.site-header').isVisible()).toBe(false);
        expect(await card.isVisible()).toBe(true);
        expect(await page.locator('.qr-img svg').isVisible()).toBe(true);
        const pdf = (await page.pdf({ format: 'A4', printBackground: true })).toString('latin1');
        expect(pdf.match(/\/Type\s*\/Page[^s]/g)?.length, 'printed pages').toBe(1);
      } finally {
        await page.emulateMedia({ media: 'screen' });
      }
    });

    it('verifies a receipt by number and check code, and says plainly when it does not', async () => {
      await page.goto(`${base()}/verify`);
      await page.getByLabel('票据号码').fill(world.receipt.receiptNo);
      await page.getByLabel('校验码').fill(world.receipt.checkCode.toLowerCase());
      await page.getByRole('button', { name: '查验' }).click();
      await page.locator('#verify-verdict').waitFor();
      expect(await page.locator('#verify-verdict').innerText()).toContain('真实有效');
      const card = await page.locator('#receipt-card').innerText();
      for (const shown of [world.receipt.receiptNo, '王**', '141.00 元', beijing(world.receipt.issuedAt), '有效'])
        expect(card).toContain(shown);
      await noSeriousViolation(page, 'verify');
      await page.getByLabel('校验码').fill('ZZZZ0000');
      await page.getByRole('button', { name: '查验' }).click();
      await page.getByText('查验未通过').waitFor();
      expect(await page.locator('#receipt-card').count()).toBe(0);
    });

    it('pays two notices online through the sandbox provider, waits for the confirmation and shows the receipt', async () => {
      const a = await freshNotice(world.fee, 2);
      const b = await freshNotice(world.fee2);
      await page.goto(`${base()}/?n=${a.noticeNo}&c=${a.checkCode}&n=${b.noticeNo}&c=${b.checkCode}`);
      await page.locator(`.notice-card[data-notice="${b.noticeNo}"]`).waitFor();
      expect(await page.locator('#pay-online').innerText()).toContain('141.00 元');
      await page.locator('#pay-online').click();
      // The provider's hosted page (the sandbox, a service of its own), then back to the status page.
      await page.waitForURL((u) => u.origin === new URL(inject('providerUrl')).origin);
      expect(await page.locator('#amount').innerText()).toContain('141.00');
      await page.getByRole('button', { name: '支付' }).click();
      await page.waitForURL(`${base()}/order?**`);
      await page.locator('#order-status[data-status="succeeded"]').waitFor();
      expect(await page.locator('#order-status').innerText()).toBe('支付成功，票据已开具');
      const receipt = await page.locator('#receipt-card').innerText();
      expect(receipt).toContain('141.00 元');
      expect(receipt).toContain(a.noticeNo);
      expect(receipt).toContain(b.noticeNo);
      expect(receipt).toContain('赵*');
      expect(receipt).not.toContain('赵六');
      await noSeriousViolation(page, 'order succeeded');
      await page.locator('#receipt-link').click();
      await page.locator('#receipt-status').waitFor();
      expect(await page.locator('#receipt-status').innerText()).toBe('有效');
      // The notices now read as paid, and lead to the same receipt.
      await page.goto(`${base()}/?n=${a.noticeNo}&c=${a.checkCode}`);
      expect(await page.locator(`.notice-card[data-notice="${a.noticeNo}"]`).innerText()).toContain('已缴款');
      await page.locator('.receipt-link').waitFor();
    });

    it('says in plain Chinese when the payer cancels at the provider, and when another payment holds the notice', async () => {
      const n = await freshNotice();
      await page.goto(`${base()}/?n=${n.noticeNo}&c=${n.checkCode}`);
      await page.locator('#pay-online').click();
      await page.waitForURL((u) => u.origin === new URL(inject('providerUrl')).origin);
      await page.getByRole('button', { name: '取消' }).click();
      await page.waitForURL(`${base()}/order?**`);
      await page.locator('#order-status:not([data-status="created"])').waitFor({ timeout: 15_000 });
      expect(await page.locator('#order-status').innerText()).toContain('没有扣款');
      await noSeriousViolation(page, 'order not paid');
      // Back to the same notice, filled in, to pay again.
      await page.locator('#look-up-again').click();
      await page.locator(`.notice-card[data-notice="${n.noticeNo}"]`).waitFor();
      expect(await page.locator(`.notice-card[data-notice="${n.noticeNo}"]`).innerText()).toContain('待缴款');

      // An order opened elsewhere (another tab, another phone) holds the next notice: 409 in words.
      const held = await freshNotice();
      // (From a client address of its own, like the browser's: see startPayerProxy.)
      const other = await postFrom('127.0.0.3', '/v1/payment-orders', {
        noticeNos: [held.noticeNo],
        checkCodes: { [held.noticeNo]: held.checkCode },
      });
      expect(other.status, other.text).toBe(201);
      await page.goto(`${base()}/?n=${held.noticeNo}&c=${held.checkCode}`);
      await page.locator('#pay-online').click();
      await page.getByText('已有一笔网上支付正在进行').waitFor();
      expect(await page.locator('#pay-box .error').innerText()).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} 前有效/);
      expect(page.url()).toContain(base());
    });

    it('switches to English and back', async () => {
      await page.goto(`${base()}/verify`);
      await page.getByRole('button', { name: 'Switch to English' }).click();
      await page.getByRole('heading', { level: 1, name: 'Verify a receipt' }).waitFor();
      expect(await page.evaluate('document.documentElement.lang')).toBe('en');
      await noSeriousViolation(page, 'verify in English');
      await page.getByRole('button', { name: '切换到中文' }).click();
      await page.getByRole('heading', { level: 1, name: '票据查验' }).waitFor();
    });
  });
}

/**
 * Publications requested by test files running alongside race with ours (a release published from an
 * earlier read of the aggregates may come last): publish until the latest monthly-collections
 * release holds this file's department.
 */
async function latestReleaseHoldsOurMonth() {
  const finance = await token({ role: 'finance' });
  for (let attempt = 1; ; attempt++) {
    const pkg: any = await (await fetch(`${base()}/v1/open/datasets/monthly-collections/datapackage.json`)).json();
    const csv = pkg.resources[0].path ? await (await fetch(pkg.resources[0].path)).text() : '';
    // The department alone is not enough: its current-month payments (the payment tests above) reach a
    // release published as of next month (test/api/opendata.test.ts) without this file's month.
    if (csv.split(/\r?\n/).some((l) => l.includes('2024-02') && l.includes(world.dept) && l.includes(world.fee3)))
      return;
    if (attempt === 10) throw new Error(`monthly-collections never held ${world.dept}'s 2024-02 cells`);
    await publishAndWait(finance);
  }
}

describe('open data pages', () => {
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    context = await browser.newContext({ ...VIEWPORTS.phone, locale: 'zh-CN' });
    page = await context.newPage();
    // Monthly figures are published for completed months only: payments are written straight into
    // the Payments table (the stream source), in a month of their own, as the open-data API tests do.
    // Eight payments of the first fee and one of a third: that one cell counts fewer than k.
    const u = {
      departments: [world.dept],
      fees: new Map([[world.dept, [{ code: world.fee, amount: 1050 }]]]),
      months: ['2024-02'],
    };
    const rand = prng(13);
    const tag = uniq();
    // Synthetic notice numbers (N<n>-<i>) of their own: other test files fold synthetic payments with
    // small n into the same aggregates, and a notice already counted is not counted again.
    const first = Number.parseInt(tag, 16) * 1000;
    const records = Array.from({ length: 8 }, (_, i) =>
      syntheticPayment(u, first + i, rand, { paymentId: `PW${tag}-${i}` }),
    );
    const lone = { ...u, fees: new Map([[world.dept, [{ code: world.fee3, amount: 700 }]]]) };
    records.push(syntheticPayment(lone, first + 99, rand, { paymentId: `PW${tag}-99` }));
    await waitForAggregation(await writePaymentsTable(records));
    await latestReleaseHoldsOurMonth();
  });
  afterAll(async () => {
    await context?.close();
  });

  it('lists every dataset with its CSV and Data Package, and signs up for a key shown once', async () => {
    await page.goto(`${base()}/open-data`);
    for (const id of ['fee-catalog', 'monthly-collections', 'daily-channel-volume', 'notice-to-payment-time'])
      await page.locator(`.dataset[data-dataset="${id}"] a.download`).waitFor();
    const csv = await page.locator('.dataset[data-dataset="fee-catalog"] a.download').getAttribute('href');
    expect(csv).toMatch(/\/open-data\/fee-catalog\/[0-9A-Za-z-]+\.csv$/);
    expect((await fetch(new URL(csv!, base()))).status).toBe(200);
    await noSeriousViolation(page, 'open data');

    await page.getByLabel('姓名或单位').fill('数据记者');
    await page.getByLabel('电子邮箱').fill('journalist@example.org');
    await page.getByLabel('用途').fill('收费公开数据可视化');
    await page.getByRole('button', { name: '申请密钥' }).click();
    await page.getByText('密钥只显示这一次').waitFor();
    const apiKey = await page.getByLabel('API 密钥', { exact: true }).inputValue();
    expect((await fetch(`${base()}/v1/open/datasets`, { headers: { 'x-api-key': apiKey } })).status).toBe(200);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base() });
    await page.locator('#api-key ~ .copy').click();
    await page.getByText('已复制').first().waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(apiKey);
    await noSeriousViolation(page, 'key shown');
    // Shown once: the page does not keep it.
    await page.reload();
    expect(await page.locator('#api-key').count()).toBe(0);
  });

  it('charts a dataset with department names and yuan, suppressed cells as suppressed (never as zero)', async () => {
    // A release published by a file alongside, from its earlier read of the aggregates, may still land
    // between our check and the page's read: open the page until the release it shows holds our month.
    const lone = page.locator('.data-table tbody tr', { hasText: world.fee3 });
    for (let attempt = 1; ; attempt++) {
      await latestReleaseHoldsOurMonth();
      await page.goto(`${base()}/open-data/monthly-collections`);
      await page.locator('.chart svg').waitFor();
      await page.locator('#dataset-department option').nth(1).waitFor({ state: 'attached' });
      if ((await page.locator(`#dataset-department option[value="${world.dept}"]`).count()) > 0) {
        await page.getByLabel('执收单位').selectOption(world.dept);
        if (
          await lone.waitFor({ timeout: 3_000 }).then(
            () => true,
            () => false,
          )
        )
          break;
      }
      if (attempt === 5) throw new Error(`the monthly-collections page never showed ${world.dept}'s 2024-02 cells`);
    }
    // One payment in the cell: fewer than k, so its figures are withheld, and read as such.
    const row = await lone.innerText();
    expect(row).toContain('已抑制');
    expect(row).toContain('2024年2月');
    expect(row).toContain(world.deptName);
    expect(row).not.toContain(world.dept);
    expect(row).not.toMatch(/\b0(\.00)?\b/);
    await expect.poll(() => page.locator('.chart svg').innerHTML()).toContain('已抑制');
    // Its complement in the same department and month is withheld too (else the department's total
    // would give it away): no row of ours shows a figure.
    for (const r of await page.locator('.data-table tbody tr').allInnerTexts()) expect(r).toContain('已抑制');
    await noSeriousViolation(page, 'monthly-collections');

    await page.goto(`${base()}/open-data/fee-catalog`);
    await page.locator('.chart svg').waitFor();
    expect(await page.locator('.chart svg').innerHTML()).toContain('10.50 元');
    const fee = await page.locator('.data-table tbody tr', { hasText: world.fee }).innerText();
    expect(fee).toContain('10.50');
    expect(fee).toContain(world.deptName);
    expect(fee).toContain('行政事业性收费');
    await noSeriousViolation(page, 'fee-catalog');
  });
});

describe('portal at 360 px', () => {
  it('has no horizontal scroll on any page, and is usable from the keyboard', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    try {
      const [a] = world.open;
      for (const path of [
        `/?n=${a!.noticeNo}&c=${a!.checkCode}`,
        '/catalog',
        `/r/${world.receipt.receiptNo}?c=${world.receipt.checkCode}`,
        `/verify?r=${world.receipt.receiptNo}&c=${world.receipt.checkCode}`,
        '/open-data',
        '/open-data/monthly-collections',
        '/order',
      ]) {
        await page.goto(base() + path);
        await page.waitForLoadState('networkidle');
        expect(await horizontalOverflow(page), path).toBeLessThanOrEqual(0);
      }
      // Keyboard: the skip link comes first, then the look-up form answers Enter.
      await page.goto(`${base()}/`);
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement?.textContent?.trim()')).toBe('跳到主要内容');
      await page.getByLabel('缴款码').focus();
      await page.keyboard.type(a!.noticeNo);
      await page.keyboard.press('Tab');
      await page.keyboard.type(a!.checkCode);
      await page.keyboard.press('Enter');
      await page.locator(`.notice-card[data-notice="${a!.noticeNo}"]`).waitFor();
    } finally {
      await context.close();
    }
  });
});
