import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_FILE_LINES, MAX_FUNCTION_LINES, oversizedIn, tsFilesUnder } from './sizes';

const ROOT = resolve(import.meta.dirname, '..', '..');

describe('small rooms under functions/', () => {
  it(`no file over ${MAX_FILE_LINES} lines, no function over ${MAX_FUNCTION_LINES}`, () => {
    const over = tsFilesUnder(join(ROOT, 'functions')).flatMap((f) => oversizedIn(f, ROOT));
    expect(over.map((o) => `${o.file}: ${o.what} has ${o.lines} lines (limit ${o.limit})`)).toEqual([]);
  });

  it('the measure sees a long file and a long function, arrow functions and methods included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'one-window-sizes-'));
    try {
      const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');
      const file = join(dir, 'long.ts');
      writeFileSync(
        file,
        [
          `export function long() {\n${body(70)}\n}`,
          `export const arrow = () => {\n${body(68)}\n};`,
          `export class C {\n  method() {\n${body(75)}\n  }\n}`,
          body(100),
        ].join('\n'),
      );
      const found = oversizedIn(file, dir).map((o) => o.what);
      expect(found).toEqual(['file', 'long', 'method']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
