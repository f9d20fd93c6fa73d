import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
const seed = JSON.parse(readFileSync('/tmp/portal-dev/seed.json', 'utf8'));
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
for (const vp of [{ width: 390, height: 844 }, { width: 1280, height: 800 }]) {
  const p = await (await b.newContext({ viewport: vp })).newPage();
  await p.goto(`http://127.0.0.1:3310/r/${seed.receipt.receiptNo}?c=${seed.receipt.checkCode}`);
  await p.locator('.qr-img svg').waitFor();
  await p.emulateMedia({ media: 'print' });
  const pdf = (await p.pdf({ format: 'A4', printBackground: true })).toString('latin1');
  console.log(vp.width, pdf.match(/\/Type\s*\/Page[^s]/g)?.length);
  await p.screenshot({ path: `/tmp/portal-dev/print-${vp.width}.png`, fullPage: true });
  const h = await p.evaluate(() => [document.body.scrollHeight, document.querySelector('main').scrollHeight]);
  console.log(h);
}
await b.close();
