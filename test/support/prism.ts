import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '../../infra/local/dynamodb';

/**
 * Prism (@stoplight/prism-cli) as a validating proxy between the API tests and the local gateway:
 * every request is forwarded, every response is checked against the OpenAPI document the API serves,
 * and with `--errors` a response the document does not describe is replaced by Prism's 500
 * `VIOLATIONS` problem (a status the document does not declare is reported in the `sl-violations`
 * header instead); test/support/api.ts turns either into a failed test that names the violation.
 *
 * Two settings, and why:
 * - `--validate-request false`: the API tests send invalid requests on purpose to check our own 4xx.
 *   With request validation on, Prism answers those itself (422, or 401 for a missing token) before
 *   they reach the API, so the tests would check Prism instead of us. Responses are validated for
 *   every request, valid or not.
 * - Prism gets the served document with each operation's `security` removed. Prism checks security
 *   even with request validation off and answers a request without credentials with its own 401;
 *   authentication is the API's job, and its 401/403 answers are themselves validated as responses.
 */
export interface ValidatingProxy {
  url: string;
  stop(): Promise<void>;
}

/** Prism 5.16 declares Node >= 24.18 (the project's devDependency `node` brings 24.21; npm scripts run it). */
const MIN_NODE = [24, 18];

export async function startValidatingProxy(opts: { upstream: string; document: unknown }): Promise<ValidatingProxy> {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  if (major < MIN_NODE[0]! || (major === MIN_NODE[0] && minor < MIN_NODE[1]!))
    throw new Error(
      `Prism needs Node >= ${MIN_NODE.join('.')}, this is ${process.versions.node}: run the tests through npm (npm test, npx vitest), which puts the project's Node 24 first on PATH`,
    );
  const dir = mkdtempSync(join(tmpdir(), 'one-window-prism-'));
  const file = join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(withoutSecurity(opts.document)));
  const port = await freePort();
  const cli = join(
    dirname(createRequire(import.meta.url).resolve('@stoplight/prism-cli/package.json')),
    'dist/index.js',
  );
  const args = ['proxy', file, opts.upstream, '--errors', '--validate-request=false', '--cors=false'];
  const child = spawn(process.execPath, [cli, ...args, '--port', String(port), '--host', '127.0.0.1', '-v', 'error'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Keep the pipes drained (a full pipe would stall Prism); the tail explains a failed start.
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString('utf8')).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilServing(url, child, () => tail);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, stop };
}

/** The document with no operation-level `security`: see above. */
function withoutSecurity(document: unknown): unknown {
  const doc = structuredClone(document) as { paths: Record<string, Record<string, { security?: unknown }>> };
  for (const ops of Object.values(doc.paths)) for (const op of Object.values(ops)) delete op.security;
  return doc;
}

async function waitUntilServing(url: string, child: ChildProcess, tail: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Prism exited (${child.exitCode}):\n${tail()}`);
    try {
      // Any answer means Prism listens (a path outside the document: it answers that itself, upstream untouched).
      await (await fetch(`${url}/not-in-the-document`)).arrayBuffer();
      return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Prism did not start within 60 s:\n${tail()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill('SIGTERM');
  });
}
