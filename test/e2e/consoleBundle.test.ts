import { expect, it } from 'vitest';
import { consoleGoalLine, consoleInitialJsKb, CONSOLE_INITIAL_JS_GOAL_KB } from '../../bench/webConsole';

/** The console's first load stays within its budget (Element Plus on demand, screens in chunks). */
it(`loads at most ${CONSOLE_INITIAL_JS_GOAL_KB} KB of JavaScript (gzip) before the first screen`, () => {
  const { kb, files } = consoleInitialJsKb();
  expect(files.length).toBeGreaterThan(0);
  expect(consoleGoalLine(kb)).toMatch(/ PASS$/);
  // ECharts and the QR code are not in the first load: only the screens that use them fetch them.
  expect(files.some((f) => /echarts|qrcode/i.test(f.file))).toBe(false);
});
