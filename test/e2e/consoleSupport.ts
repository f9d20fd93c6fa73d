import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { expect, inject } from 'vitest';

/**
 * The console in a real headless Chromium (Debian's /usr/bin/chromium) against the local gateway,
 * signing in through the local OpenID Provider's own login page, and axe on each screen.
 */
export const launch = (): Promise<Browser> => launchChromium();

export const gateway = (): string => inject('gatewayUrl');

/** A fresh browser context (its own cookies and sessionStorage), signed in as a demo account. */
export async function signIn(browser: Browser, username: string, path = '/console/'): Promise<Page> {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(gateway() + path);
  await page.getByLabel('用户名').waitFor();
  await checkAccessibility(page, 'login page');
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill('demo');
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByTestId('who').waitFor();
  return page;
}

/** axe-core on the page as it is: no serious or critical violation. */
export async function checkAccessibility(page: Page, screen: string): Promise<void> {
  // The screen as it rests: a select's option list or a date panel still fading out after a choice
  // (Element Plus poppers close with a transition) would be judged as part of the page: the option
  // list as a scrollable region keyboard users never tab into (they move through it with the arrow
  // keys from the select, which owns it via aria-activedescendant), the date panel as a dialog
  // without a name.
  await expect.poll(() => page.locator('.el-popper:visible').count()).toBe(0);
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.nodes
          .map((n) => `${n.target.join(' ')} ${n.html.slice(0, 160)}`)
          .slice(0, 3)
          .join(' | ')}`,
    );
  expect(bad, `axe on ${screen}`).toEqual([]);
}

/** Opens a screen from the menu and waits for its heading. */
export async function openScreen(page: Page, menuEntry: string, heading: string | RegExp = menuEntry): Promise<void> {
  await page.getByRole('menuitem', { name: menuEntry }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}
