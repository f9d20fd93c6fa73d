import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local/dynamodb';
import { type NpmStart, npmStart } from '../support/npmStart';

/**
 * The README's walkthroughs, run exactly as written against a fresh stack: every ```sh block in
 * order, in one bash session (`set -euo pipefail`, so a failing `curl -sf` fails the block), the way a
 * stranger pastes them into a terminal. Nothing in a block is substituted; the session's environment
 * says where this run's stack is: `API` (which the README sets only when unset), and `DATA_DIR`,
 * `DYNAMODB_PORT`, `DYNAMODB_ENDPOINT`, `LOCAL_KEY_DIR`, so that `npm run token` and `npm run
 * reconcile` find this stack and not a developer's own on the default ports and `.data/`.
 *
 * A block that is just `[VAR=value ...] npm start` (re)starts the stack: the test runs `npm start`
 * itself with those variables, on its own ports and data directory (stopping the running one with
 * SIGTERM to npm first, so a restart also proves the data survives it). A block marked
 * `# readme-test: skip (why)` is not run (installing, serving until stopped); one marked
 * `# readme-test: pending (why)` waits for work on another branch. Both show as skipped.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const BLOCK_TIMEOUT_MS = 180_000;

interface Block {
  id: string;
  text: string;
}

/** The ```sh blocks, each named by its heading and its number under that heading. */
function shellBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const perHeading = new Map<string, number>();
  let heading = '';
  let current: string[] | undefined;
  for (const line of markdown.split('\n')) {
    if (current) {
      if (line.startsWith('```')) {
        const n = (perHeading.get(heading) ?? 0) + 1;
        perHeading.set(heading, n);
        blocks.push({ id: `${heading} #${n}`, text: current.join('\n') });
        current = undefined;
      } else current.push(line);
    } else if (line.startsWith('```sh')) current = [];
    else if (/^#{1,3} /.test(line)) heading = line.replace(/^#+ /, '');
  }
  return blocks;
}

const JWT = /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/gm;
const RECEIPT_NO = /^\d{20}$/gm;

/** What each block must print (its stdout); a block the README adds needs an entry here. */
const EXPECTED: Record<string, RegExp[] | ((stdout: string) => void)> = {
  'Local stack #1': (out) => expect(out.match(JWT)).toHaveLength(3),
  'Walkthroughs #2': (out) => expect(out.trim()).toBe(''),
  'Walkthroughs #3': [/"id":"D01"/, /"code":"PSB-ID"/, /"effectiveFrom":"2026-03-31"/, /"version":1/],
  'A payment, end to end #1': [
    /"status":"issued"/,
    /"idNumber":"1101\*{10}002X"/,
    /"businessDate":"2026-03-31"/,
    /"channel":"cash","bankRef":null,"windowId":"W01"/,
    /"keys":\[/,
    /"valid":true,"status":"valid"/,
  ],
  'A payment, end to end #2': (out) => expect(out.match(RECEIPT_NO)).toHaveLength(4),
  // The walkthrough made D01 and PSB-ID already: the console's demo seed leaves them as they are.
  'A payment, end to end #3': [/department D01 公安局 exists already/, /fee item PSB-ID exists already/],
  'Finance bureau: reconcile, settle, close a day #2': [
    /"lines": 3/,
    /"matchedCount": 5/,
    /"matchedAmount": 10000/,
    /"bankLinesMissingInLedger": 1/,
    /"unresolved": 1/,
  ],
  'Finance bureau: reconcile, settle, close a day #3': [
    /"lines":3,"total":13500/,
    /"matchedCount":5,"matchedAmount":10000/,
    /"itemRef":"ML:transfer:TRF-0331-0042"/,
    /"action":"suspense"/,
    /"status":"closed","proof":\{"date":"2026-03-31"/,
    /"ok":true/,
  ],
  "The window's day and the audit trail #1": [
    /"byChannel":\[\{"channel":"cash","count":4,"amount":8000\},\{"channel":"card","count":1,"amount":2000\}/,
    /"action":"POST \/v1\/payments"/,
    /"outcome":"committed"/,
    /"path":\[\{"side":"(left|right)","hash":"[0-9a-f]{64}"\}/,
    /"signature":"eyJ/,
    /"ok":true,"root":"[0-9a-f]{64}","count":\d+,"closed":true/,
  ],
  'Open data #1': [
    /^succeeded$/m,
    /"@type":"dcat:Catalog"/,
    /"month":"2026-03","departmentId":"D01","feeCode":"PSB-ID","paymentCount":5/,
    /^2026-03-31,cash,,,true\r?$/m,
  ],
};

const MARKER = /^# readme-test: (skip|pending)\b(.*)$/m;
const START = /^((?:[A-Z_]+=\S+\s+)*)npm start$/;
const LONG_RUNNING = /\bnpm (start|install|i|ci)\b/;

/** The block's only command, when it is `[VAR=value ...] npm start`: those variables. */
function startBlock(text: string): Record<string, string> | undefined {
  const commands = text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
  const m = commands.length === 1 ? START.exec(commands[0]!.trim()) : null;
  if (!m) return undefined;
  return Object.fromEntries(
    m[1]!
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

/** A stranger's shell: their PATH (no project node_modules/.bin), home and locale; nothing of this test run. */
function strangersEnvironment(): Record<string, string> {
  const keep =
    /^(PATH|HOME|USER|LOGNAME|SHELL|TERM|TMPDIR|LANG|LC_\w+|JAVA_HOME|NODE_EXTRA_CA_CERTS|(HTTPS?|NO|ALL)_PROXY)$/i;
  const env = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => keep.test(k) && v !== undefined));
  env.PATH = (env.PATH ?? '')
    .split(':')
    .filter((p) => !p.includes('node_modules'))
    .join(':');
  return env as Record<string, string>;
}

/** One bash session for every block, so variables set in one block are there in the next. */
class Session {
  private readonly bash: ChildProcess;
  private stdout = '';
  private stderr = '';
  private exited: number | null = null;
  private count = 0;

  constructor(
    private readonly dir: string,
    env: Record<string, string>,
  ) {
    // Its own process group: closing the session ends whatever a block left running.
    this.bash = spawn('bash', ['--noprofile', '--norc'], {
      cwd: ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    this.bash.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.bash.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.bash.on('exit', (code) => (this.exited = code ?? -1));
    this.bash.stdin!.write('set -euo pipefail\n');
  }

  /** Runs one block as if pasted; resolves with what it printed, rejects with everything if it failed. */
  async run(text: string): Promise<{ stdout: string; stderr: string }> {
    const n = ++this.count;
    const file = join(this.dir, `block-${n}.sh`);
    writeFileSync(file, `${text}\n`);
    const done = `__readme_block_${n}_done__`;
    [this.stdout, this.stderr] = ['', ''];
    // The block's commands read /dev/null, never the session's own input.
    this.bash.stdin!.write(`source '${file}' </dev/null\nprintf '\\n%s\\n' ${done}\n`);
    const deadline = Date.now() + BLOCK_TIMEOUT_MS;
    while (!this.stdout.includes(done)) {
      if (this.exited !== null || Date.now() > deadline)
        throw new Error(
          `${this.exited !== null ? `bash exited (${this.exited})` : 'timed out'}\n--- stdout\n${this.stdout}\n--- stderr\n${this.stderr}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
    return { stdout: this.stdout.slice(0, this.stdout.indexOf(done)), stderr: this.stderr };
  }

  close(): void {
    this.bash.stdin!.end();
    try {
      process.kill(-this.bash.pid!, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  }
}

const blocks = shellBlocks(README);
const dataDir = mkdtempSync(join(tmpdir(), 'one-window-readme-'));
const scriptDir = mkdtempSync(join(tmpdir(), 'one-window-readme-blocks-'));
let ports: { api: number; dynamo: number } | undefined;
let stack: NpmStart | undefined;
let session: Session | undefined;
let failed: string | undefined;

afterAll(async () => {
  session?.close();
  await stack?.stop().catch(() => stack?.kill());
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(scriptDir, { recursive: true, force: true });
});

async function start(vars: Record<string, string>): Promise<void> {
  ports ??= { api: await freePort(), dynamo: await freePort() };
  if (stack) await stack.stop();
  stack = undefined;
  stack = await npmStart({ port: ports.api, dynamoPort: ports.dynamo, dataDir, env: vars });
  expect(stack.output()).toContain('local stack is up');
}

async function runBlock(block: Block): Promise<void> {
  if (LONG_RUNNING.test(block.text))
    throw new Error(`${block.id} would install or serve until stopped: mark it \`# readme-test: skip (why)\``);
  ports ??= { api: await freePort(), dynamo: await freePort() };
  session ??= new Session(scriptDir, {
    ...strangersEnvironment(),
    API: `http://127.0.0.1:${ports.api}`,
    DATA_DIR: dataDir,
    LOCAL_KEY_DIR: join(dataDir, 'keys'),
    DYNAMODB_PORT: String(ports.dynamo),
    DYNAMODB_ENDPOINT: `http://127.0.0.1:${ports.dynamo}`,
  });
  const { stdout } = await session.run(block.text);
  const expected = EXPECTED[block.id];
  if (!expected)
    throw new Error(`${block.id} has no expected output in test/readme/readme.test.ts; it printed:\n${stdout}`);
  if (typeof expected === 'function') expected(stdout);
  else for (const pattern of expected) expect(stdout, `${block.id} printed`).toMatch(pattern);
}

describe('README walkthroughs', () => {
  it('found the walkthroughs, and markers that keep a block from running are rare', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(10);
    expect(blocks.filter((b) => MARKER.test(b.text)).length).toBeLessThanOrEqual(2);
    for (const b of blocks)
      if (LONG_RUNNING.test(b.text) && !MARKER.test(b.text))
        expect(startBlock(b.text), `${b.id}: npm start alone on its line, or a skip marker`).toBeDefined();
    // What a fresh Debian lacks, and addresses other than $API (a developer's own stack answers there).
    for (const b of blocks) {
      if (MARKER.exec(b.text)?.[1] === 'skip') continue;
      const lines = b.text.split('\n').filter((l) => !l.startsWith('API=${API:-'));
      expect(
        lines.filter((l) => /\b(uuidgen|jq)\b|localhost|127\.0\.0\.1/.test(l)),
        b.id,
      ).toEqual([]);
    }
    for (const id of Object.keys(EXPECTED))
      expect(
        blocks.some((b) => b.id === id),
        `${id} is in the README`,
      ).toBe(true);
  });

  for (const block of blocks) {
    const marker = MARKER.exec(block.text);
    const firstCommand = block.text.split('\n').find((l) => l.trim() && !l.startsWith('#')) ?? '';
    const title = `${block.id}: ${firstCommand.slice(0, 70)}`;
    if (marker) {
      it.skip(`${title} (${marker[1]}${marker[2]})`, () => {});
      continue;
    }
    it(
      title,
      async () => {
        if (failed) throw new Error(`not run: ${failed} failed before it`);
        try {
          const vars = startBlock(block.text);
          if (vars) await start(vars);
          else await runBlock(block);
        } catch (e) {
          failed = block.id;
          throw e;
        }
      },
      BLOCK_TIMEOUT_MS + 60_000,
    );
  }
});
