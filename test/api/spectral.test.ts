import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { api } from '../support/api';

/**
 * Spectral (`spectral:oas` and the OWASP API Security ruleset, .spectral.yaml) over the document the
 * API serves. Every error and warning fails the test unless spectral-exceptions.json declines that
 * rule there, with a reason; an exception that matches nothing any more fails too, so the list stays
 * the list of what is really declined.
 */
interface Finding {
  code: string;
  path: string[];
  message: string;
  severity: number; // 0 error, 1 warning, 2 information, 3 hint
}
interface Exception {
  rule: string;
  where: 'everywhere' | 'requests' | 'responses' | string[];
  reason: string;
}

const SEVERITY = ['error', 'warning', 'information', 'hint'];

/** Request side: parameters, request bodies and the input schemas (`*Input`) they reference. */
const onRequestSide = (path: string[]) =>
  path.includes('requestBody') ||
  path.includes('parameters') ||
  (path[0] === 'components' && path[1] === 'schemas' && (path[2] ?? '').endsWith('Input'));

function applies(e: Exception, f: Finding): boolean {
  if (e.rule !== f.code) return false;
  if (e.where === 'everywhere') return true;
  if (e.where === 'requests') return onRequestSide(f.path);
  if (e.where === 'responses') return !onRequestSide(f.path);
  const at = f.path.join('.');
  return e.where.some((prefix) => at === prefix || at.startsWith(`${prefix}.`));
}

async function lint(document: unknown): Promise<Finding[]> {
  const dir = mkdtempSync(join(tmpdir(), 'one-window-spectral-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document, null, 2));
    const cli = join(
      dirname(createRequire(import.meta.url).resolve('@stoplight/spectral-cli/package.json')),
      'dist/index.js',
    );
    const args = [cli, 'lint', file, '--ruleset', resolve('.spectral.yaml'), '--format', 'json', '--quiet'];
    // Spectral exits 1 when it finds errors; its findings are on stdout either way.
    const run = await promisify(execFile)(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 }).catch(
      (e: { code?: number; stdout?: string; stderr?: string }) => {
        if (e.code === 1 && e.stdout) return { stdout: e.stdout };
        throw new Error(`Spectral failed (${e.code}): ${e.stderr ?? e}`);
      },
    );
    return JSON.parse(run.stdout) as Finding[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('Spectral with the OWASP API Security rules', () => {
  it('finds no error or warning in the served document but the ones declined with a reason', async () => {
    const { exceptions } = JSON.parse(readFileSync('spectral-exceptions.json', 'utf8')) as { exceptions: Exception[] };
    for (const e of exceptions) expect(e.reason.length, e.rule).toBeGreaterThan(40);
    const findings = await lint((await api('GET', '/v1/openapi.json')).body);
    expect(findings.length, 'Spectral ran and reported').toBeGreaterThan(0);

    const unexplained = findings
      .filter((f) => f.severity <= 1 && !exceptions.some((e) => applies(e, f)))
      .map((f) => `${SEVERITY[f.severity]} ${f.code} at ${f.path.join('.')}: ${f.message}`);
    expect(unexplained).toEqual([]);

    const stale = exceptions.filter((e) => !findings.some((f) => applies(e, f))).map((e) => e.rule);
    expect(stale, 'exceptions that no longer match a finding').toEqual([]);
  }, 120_000);
});
