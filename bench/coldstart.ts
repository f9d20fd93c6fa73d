/**
 * Cold start: how much our own code adds to a Lambda module's import time.
 *
 * For each function in infra/functions.ts whose entry exists: bundle it with the stack's esbuild
 * options (infra/constructs/bundling.ts, the same ones NodejsFunction uses), then import it in a
 * fresh Node process — `node --input-type=module -e "await import(bundle)"`, a dynamic import as
 * the Lambda runtime does on a cold start — against, in the same interleaved rounds,
 *   (a) bare node: the same `node -e` with no import (`node -e 0` plus a probe), and
 *   (b) a bundle that only constructs a DynamoDB document client (bench/support/sdkClientOnly.ts).
 * The probe at the end of each child reports the process's CPU time (user + system since it
 * started: bootstrap + import). CPU time is the headline and the goal's metric because this
 * machine is shared (load average 5–9 on 2 cores): wall time there measures the scheduler more than
 * our code, while a Lambda init phase is CPU-bound. Wall time (spawn to exit) is printed beside it.
 * Prints medians, ratios and bundle sizes, the largest inputs of each bundle, and one GOAL line per
 * function: our code may add at most 15% over (b).
 *
 *   npm run bench:coldstart            (BENCH_RUNS=N to change the repetitions; default 21)
 *
 * (An earlier BENCH_WHATIF mode measured the sources as if they imported zod by namespace; every
 * source now does, and the request schemas use zod/mini, so it was removed: docs/benchmarks.md.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { esbuildOptionsFor } from '../infra/constructs/bundling';
import { functions, type FunctionName } from '../infra/functions';
import { tableEnvVar } from '../schemas/tables';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, '.bench', 'coldstart');
const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const GOAL_RATIO = 1.15;

/** Runs last in every child: the process's CPU time so far (bootstrap + import), in ms. */
const PROBE =
  'const u = process.cpuUsage(); process.stdout.write(JSON.stringify({ cpu: (u.user + u.system) / 1000 }));';
const BARE = 'bare node';

interface Target {
  name: string;
  args: string[];
  bundle?: string;
  metafile?: Metafile;
  env: Record<string, string>;
}

/** The environment a deployed function sees (names only matter; nothing is called at import). */
function lambdaEnv(name?: FunctionName): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'cn-north-1',
    AWS_LAMBDA_FUNCTION_NAME: name ?? 'baseline',
    LOG_LEVEL: 'info',
    BUSINESS_TZ: 'Asia/Shanghai',
  };
  if (!name) return env;
  const def = functions[name];
  for (const t of Object.keys(def.tables) as (keyof typeof def.tables)[]) env[tableEnvVar(t)] = `OneWindowFees-${t}`;
  if (def.keys?.receipt)
    env.SIGNING_KMS_KEY_ID = 'arn:aws-cn:kms:cn-north-1:000000000000:key/00000000-0000-0000-0000-000000000000';
  if (def.keys?.dayProof)
    env.DAY_PROOF_KMS_KEY_ID = 'arn:aws-cn:kms:cn-north-1:000000000000:key/00000000-0000-0000-0000-000000000001';
  if (name === 'authorizer')
    Object.assign(env, {
      AUTH_ISSUER: 'https://idp.example',
      AUTH_AUDIENCE: 'one-window-api',
      AUTH_JWKS_URL: 'https://idp.example/jwks.json',
    });
  if (name === 'opendata') env.OPEN_DATA_USAGE_PLAN_ID = 'plan0000';
  return env;
}

async function bundle(name: string, entry: string): Promise<{ file: string; metafile: Metafile }> {
  const file = join(OUT, name, 'index.mjs');
  const r = await build({ ...esbuildOptionsFor(entry, file), metafile: true });
  return { file, metafile: r.metafile };
}

const nodeArgs = (bundle?: string) => [
  '--input-type=module',
  '-e',
  `${bundle ? `await import(${JSON.stringify(pathToFileURL(bundle).href)});` : ''}${PROBE}`,
];

function timeOnce(t: Target): { cpu: number; wall: number } {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, t.args, { env: t.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0)
    throw new Error(`${t.name} failed to import (exit ${r.status}):\n${r.stderr.toString().slice(0, 2000)}`);
  const out = r.stdout.toString();
  const probe = JSON.parse(out.slice(out.lastIndexOf('{'))) as { cpu: number };
  return { cpu: probe.cpu, wall };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

/** The inputs that contribute most bytes to a bundle, grouped by package (or our own folder). */
function largestInputs(meta: Metafile, outfile: string, n = 4): string {
  const out = Object.entries(meta.outputs).find(([k]) => resolve(k) === resolve(outfile))?.[1];
  if (!out) return '';
  const byGroup = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(out.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const group = m ? m[1]! : path.split('/').slice(0, 2).join('/');
    byGroup.set(group, (byGroup.get(group) ?? 0) + bytesInOutput);
  }
  return [...byGroup.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([g, b]) => `${g} ${kb(b)}`)
    .join(', ');
}

async function main() {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });

  const targets: Target[] = [{ name: BARE, args: nodeArgs(), env: lambdaEnv() }];
  const sdk = await bundle('sdk-client-only', join(ROOT, 'bench/support/sdkClientOnly.ts'));
  targets.push({
    name: 'sdk-client-only',
    args: nodeArgs(sdk.file),
    bundle: sdk.file,
    metafile: sdk.metafile,
    env: lambdaEnv(),
  });

  const skipped: string[] = [];
  for (const name of Object.keys(functions) as FunctionName[]) {
    const entry = join(ROOT, functions[name].entry);
    if (!existsSync(entry)) {
      skipped.push(name);
      continue;
    }
    const b = await bundle(name, entry);
    targets.push({ name, args: nodeArgs(b.file), bundle: b.file, metafile: b.metafile, env: lambdaEnv(name) });
  }
  const measured = targets.length;

  // Warm the file cache, then interleave: every round runs every target once, so load on this
  // shared machine affects all of them alike.
  for (const t of targets) timeOnce(t);
  const samples = new Map<string, { cpu: number[]; wall: number[] }>(
    targets.map((t) => [t.name, { cpu: [], wall: [] }]),
  );
  for (let i = 0; i < RUNS; i++)
    for (const t of targets) {
      const m = timeOnce(t);
      samples.get(t.name)!.cpu.push(m.cpu);
      samples.get(t.name)!.wall.push(m.wall);
    }

  const cpu = new Map([...samples].map(([k, v]) => [k, median(v.cpu)]));
  const wall = new Map([...samples].map(([k, v]) => [k, median(v.wall)]));
  const bare = cpu.get(BARE)!;
  const base = cpu.get('sdk-client-only')!;

  console.log(
    `cold start: node ${process.version} (${process.arch}), ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}, ${RUNS} interleaved runs, medians`,
  );
  console.log('');
  const header = ['target', 'CPU ms', 'vs bare', 'vs sdk', 'wall ms', 'wall vs sdk', 'bundle', 'largest inputs'];
  const rows = targets.map((t) => {
    const c = cpu.get(t.name)!;
    return [
      t.name,
      c.toFixed(1),
      (c / bare).toFixed(2),
      t.name === BARE ? '' : (c / base).toFixed(2),
      wall.get(t.name)!.toFixed(1),
      t.name === BARE ? '' : (wall.get(t.name)! / wall.get('sdk-client-only')!).toFixed(2),
      t.bundle ? kb(statSync(t.bundle).size) : '',
      t.metafile && t.bundle ? largestInputs(t.metafile, t.bundle) : '',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [header, ...rows])
    console.log(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
  console.log('');
  console.log(
    'CPU our code adds beyond the SDK client (function − sdk-client-only), and as a share of what the client itself costs (sdk-client-only − bare):',
  );
  for (const t of targets.slice(2, measured)) {
    const extra = cpu.get(t.name)! - base;
    console.log(
      `  ${t.name.padEnd(widths[0]!)}  ${extra >= 0 ? '+' : ''}${extra.toFixed(1)} ms (${((extra / (base - bare)) * 100).toFixed(0)}%)`,
    );
  }
  if (skipped.length) console.log(`\nskipped (entry not written yet): ${skipped.join(', ')}`);
  console.log('');
  for (const t of targets.slice(2, measured)) {
    const ratio = cpu.get(t.name)! / base;
    console.log(
      `GOAL coldstart-${t.name}-ratio-vs-sdk ${ratio.toFixed(3)} <=${GOAL_RATIO} ${ratio <= GOAL_RATIO ? 'PASS' : 'MISS'}`,
    );
  }
}

await main();
