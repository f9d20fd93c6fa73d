import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/**
 * `npm start` as a developer runs it, spawned by a test on its own ports and data directory. The
 * child leads its own process group, so the test can see every process the stack started (npm, the
 * shell, node, esbuild, DynamoDB Local's java) and, should a test fail half-way, end them all.
 */
export interface NpmStart {
  npm: ChildProcess;
  /** The process group npm leads: every process of this stack. */
  pgid: number;
  url: string;
  output(): string;
  /** SIGTERM to npm (as a process manager would), then waits until every process of the group is gone. */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL to the whole group: the clean-up of a failed test, never the behaviour under test. */
  kill(): void;
}

export interface NpmStartOptions {
  port: number;
  dynamoPort: number;
  dataDir: string;
  env?: Record<string, string>;
  /** How long to wait for `GET /v1/health`. */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pids of a process group, read from /proc (Linux). */
export function processGroup(pgid: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') pids.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = createServer();
    s.once('error', () => ok(false));
    s.listen(port, '127.0.0.1', () => s.close(() => ok(true)));
  });
}

/** The program a process runs (`npm`, `node`, `java`: argv[0]'s base name), or undefined once it has ended. */
export function commandOf(pid: number): string | undefined {
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]!;
    return argv0.split(' ')[0]!.split('/').pop();
  } catch {
    return undefined;
  }
}

/** Spawns `npm start` and returns at once; see `npmStart` to wait until it answers. */
export function spawnNpmStart(opts: NpmStartOptions): NpmStart {
  let output = '';
  const npm = spawn('npm', ['start'], {
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      // The sandbox payment provider on a free port: stacks started side by side must not share 3001.
      PROVIDER_PORT: '0',
      ...opts.env,
      PORT: String(opts.port),
      DYNAMODB_PORT: String(opts.dynamoPort),
      DATA_DIR: opts.dataDir,
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  npm.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  npm.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const pgid = npm.pid!;
  return {
    npm,
    pgid,
    url: `http://127.0.0.1:${opts.port}`,
    output: () => output,
    kill: () => {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
    stop: async (timeoutMs = 15_000) => {
      if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGTERM');
      const deadline = Date.now() + timeoutMs;
      while (processGroup(pgid).length > 0) {
        if (Date.now() > deadline) throw new Error(`npm start left processes ${processGroup(pgid).join(', ')}`);
        await sleep(100);
      }
    },
  };
}

/**
 * Spawns `npm start` and waits until it is up: it has said so (after the stream poller and the
 * schedule started, which is after the gateway listens) and answers `GET /v1/health`.
 */
/** Whether something accepts connections on the port: a probe that never takes the port itself. */
export async function listening(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      ok(true);
    });
    socket.once('error', () => ok(false));
  });
}

export async function npmStart(opts: NpmStartOptions): Promise<NpmStart> {
  const started = spawnNpmStart(opts);
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    if (started.npm.exitCode !== null)
      throw new Error(`npm start exited (${started.npm.exitCode}):\n${started.output()}`);
    try {
      if (started.output().includes('local stack is up') && (await fetch(`${started.url}/v1/health`)).ok)
        return started;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      started.kill();
      throw new Error(`npm start did not answer within the time allowed:\n${started.output()}`);
    }
    await sleep(250);
  }
}
