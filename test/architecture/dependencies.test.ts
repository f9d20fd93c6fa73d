import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The dependency rules of ADR 0010, checked by dependency-cruiser (.dependency-cruiser.cjs) on the
 * real tree, and shown to be live on a small tree that breaks each rule once.
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');

function cruise(cwd: string, ...paths: string[]): { ok: boolean; output: string } {
  try {
    const output = execFileSync(DEPCRUISE, [...paths, '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { ok: true, output };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describe('dependency rules', () => {
  it('hold for functions/ and schemas/', () => {
    const { ok, output } = cruise(ROOT, 'functions', 'schemas');
    // On failure the output names every offending import: `error <rule>: <from> → <to>`.
    expect(output.match(/^\s*error .*$/gm) ?? [], output).toEqual([]);
    expect(ok, output).toBe(true);
  });

  describe('catch each kind of offending import', () => {
    const dir = mkdtempSync(join(tmpdir(), 'one-window-rules-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(join(ROOT, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
    cpSync(join(ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    write('infra/stack.ts', 'export const stack = 1;\n');
    write('functions/shared/config.ts', 'export const config = () => ({});\n');
    write('functions/shared/wiring.ts', "export { config } from './config';\n");
    write('functions/shared/domain/errors.ts', 'export class DomainError extends Error {}\n');
    write('functions/notices/index.ts', "export { issue } from './domain/notices';\n");
    write('functions/notices/domain/notices.ts', 'export const issue = () => 1;\n');
    write('functions/notices/adapters/noticesTable.ts', 'export class NoticesTable {}\n');
    write('functions/notices/adapters/index.ts', "export { NoticesTable } from './noticesTable';\n");
    write('functions/notices/entry/http.ts', 'export const handler = () => 1;\n');

    const cases: [rule: string, file: string, text: string][] = [
      ['runtime-code-never-imports-infra', 'functions/payments/domain/a.ts', "import '../../../infra/stack';\n"],
      ['domain-imports-no-adapter', 'functions/payments/domain/b.ts', "import '../adapters/paymentsTable';\n"],
      ['domain-imports-no-aws-or-http', 'functions/payments/domain/c.ts', "import 'node:http';\n"],
      ['domain-imports-no-aws-or-http', 'functions/payments/ports.ts', "import '@aws-sdk/lib-dynamodb';\n"],
      [
        'contexts-meet-only-through-published-interfaces',
        'functions/payments/domain/d.ts',
        "import '../../notices/domain/notices';\n",
      ],
      [
        'domain-meets-other-contexts-only-through-index',
        'functions/payments/domain/e.ts',
        "import '../../notices/adapters/index';\n",
      ],
      ['the-kernel-knows-no-context', 'functions/shared/domain/f.ts', "import '../../notices/index';\n"],
      ['configuration-is-read-only-by-wiring', 'functions/payments/adapters/g.ts', "import '../../shared/config';\n"],
      ['only-wiring-uses-the-kernel-wiring', 'functions/payments/adapters/h.ts', "import '../../shared/wiring';\n"],
      [
        'entry-points-get-adapters-from-wiring',
        'functions/payments/entry/i.ts',
        "import '../adapters/paymentsTable';\n",
      ],
      ['nothing-imports-an-entry-point', 'functions/payments/wiring.ts', "import '../notices/entry/http';\n"],
      ['no-cycles', 'functions/payments/domain/j.ts', "import './k';\nexport const j = 1;\n"],
      ['schemas-are-data', 'schemas/notices.ts', "import '../functions/notices/index';\n"],
    ];
    write('functions/payments/adapters/paymentsTable.ts', 'export class PaymentsTable {}\n');
    write('functions/payments/domain/k.ts', "import './j';\nexport const k = 1;\n");
    for (const [, file, text] of cases) write(file, text);

    const { ok, output } = cruise(dir, 'functions', 'schemas');
    it('fails the run', () => expect(ok).toBe(false));
    for (const [rule, file] of cases)
      it(`${rule}: names ${file}`, () =>
        expect(output).toMatch(new RegExp(`error ${rule}: ${file.replace(/\./g, '\\.')}`)));
  });
});
