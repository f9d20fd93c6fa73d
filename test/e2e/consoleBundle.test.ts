import { join } from 'node:path';
import { expect, it } from 'vitest';
import { initialJs } from '../../bench/support/initialJs';
import { WEB_DIST } from '../../infra/web/build';

/**
 * What the console's first load holds (its size is measured by `npm run bench:web`, not asserted
 * here): Element Plus on demand and screens in their own chunks, so the heavy libraries only some
 * screens use are not fetched before the first screen.
 */
it('keeps ECharts and the QR code out of the first load', () => {
  const { files } = initialJs(join(WEB_DIST, 'console', 'index.html'));
  expect(files.length).toBeGreaterThan(0);
  expect(files.some((f) => /echarts|qrcode/i.test(f.file))).toBe(false);
});
