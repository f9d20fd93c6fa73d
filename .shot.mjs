import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
const seed = JSON.parse(readFileSync('/tmp/portal-dev/seed.json', 'utf8'));
const base = 'http://127.0.0.1:3310';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const ctx = await b.newContext({ viewport: { width: 360, height: 800 } });
const p = await ctx.newPage();
p.on('console', (m) => m.type() === 'error' && console.log('console:', m.text()));
const pages = {
  lookup: `/?n=${seed.notice.noticeNo}&c=${seed.notice.checkCode}`,
  catalog: '/catalog',
  receipt: `/r/${seed.receipt.receiptNo}?c=${seed.receipt.checkCode}`,
  verify: `/verify?r=${seed.receipt.receiptNo}&c=${seed.receipt.checkCode}`,
  open: '/open-data',
  ds: '/open-data/fee-catalog',
  order: '/order',
};
for (const [name, path] of Object.entries(pages)) {
  if (process.argv[2] && process.argv[2] !== name) continue;
  await p.goto(base + path);
  await p.waitForTimeout(1500);
  await p.screenshot({ path: `/tmp/portal-dev/${name}.png`, fullPage: true });
  const sw = await p.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
  const r = await new AxeBuilder({ page: p }).analyze();
  console.log(name, 'scroll', sw, r.violations.map((v) => `${v.impact}:${v.id}:${v.nodes.length}:${v.nodes[0]?.target}`).join(' | '));
}
await b.close();
