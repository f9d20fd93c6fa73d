import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';

/**
 * One Lambda execution environment per function: its own Node process, started in the unzipped
 * asset with ONLY the environment Lambda would give it (the template's variables, plus what the
 * service itself sets), and driven through a local Runtime API the way the Lambda service drives
 * the managed runtime. Nothing of the test process's environment reaches the function.
 */
export interface FunctionConfig {
  /** The name in infra/functions.ts. */
  name: string;
  functionName: string;
  arn: string;
  /** The unzipped asset: /var/task. */
  taskRoot: string;
  handler: string;
  runtime: string;
  memoryMb: number;
  timeoutSeconds: number;
  logGroupName: string;
  /** The template's Environment.Variables, resolved. */
  environment: Record<string, string>;
}

/** Set by the Lambda service; a function's configuration may not set them (Lambda rejects it). */
export const RESERVED_VARIABLES = [
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
];

export class LambdaError extends Error {
  constructor(
    readonly errorType: string,
    readonly errorMessage: string,
    readonly logs: string,
  ) {
    super(`${errorType}: ${errorMessage}\n--- function log (tail) ---\n${logs.slice(-3000)}`);
  }
}

export interface RunningFunction {
  config: FunctionConfig;
  /** The full environment the process was started with. */
  env: Record<string, string>;
  /** Milliseconds from spawn until the runtime asked for its first event (the init phase). */
  initMs(): Promise<number>;
  invoke(event: unknown): Promise<unknown>;
  /** Everything the function wrote to stdout and stderr (CloudWatch Logs when deployed). */
  logs(): string;
  stop(): Promise<void>;
}

const BOOTSTRAP = join(import.meta.dirname, 'lambdaBootstrap.mjs');

/** A Node binary of the runtime's major version (`nodejs24.x` → 24): this one, or the `node` package's. */
export function nodeFor(runtime: string): string {
  const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  if (!major) throw new Error(`${runtime} is not a Node.js runtime`);
  const modules = join(import.meta.dirname, '../../../node_modules');
  const candidates = [process.execPath, join(modules, 'node/bin/node'), join(modules, '.bin/node')];
  for (const bin of candidates) {
    if (!existsSync(bin)) continue;
    const v = spawnSync(bin, ['-p', 'process.versions.node'], { env: {}, encoding: 'utf8' }).stdout.trim();
    if (v.split('.')[0] === major) return bin;
  }
  throw new Error(`No Node ${major} binary found (tried ${candidates.join(', ')})`);
}

/** Native add-ons would be built for this machine, not for the template's architecture. */
export function nativeAddons(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.node'));
}

interface Pending {
  id: string;
  event: string;
  deadline: number;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export async function startFunction(
  config: FunctionConfig,
  service: {
    region: string;
    /** The execution role's temporary credentials. */
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
    endpoints: Record<string, string>;
  },
): Promise<RunningFunction> {
  const output: string[] = [];
  const logs = () => output.join('');
  const queue: Pending[] = [];
  const inFlight = new Map<string, Pending>();
  let waiting: ServerResponse | undefined;
  let failure: Error | undefined;
  let initDone: (ms: number) => void = () => {};
  let initFailed: (e: Error) => void = () => {};
  const init = new Promise<number>((ok, no) => {
    initDone = ok;
    initFailed = no;
  });
  init.catch(() => {});
  const started = Date.now();

  const fail = (e: Error) => {
    failure ??= e;
    initFailed(failure);
    for (const p of [...queue, ...inFlight.values()]) p.reject(failure);
    queue.length = 0;
    inFlight.clear();
  };

  const deliver = () => {
    if (!waiting || queue.length === 0) return;
    const p = queue.shift()!;
    inFlight.set(p.id, p);
    waiting.writeHead(200, {
      'content-type': 'application/json',
      'lambda-runtime-aws-request-id': p.id,
      'lambda-runtime-deadline-ms': String(p.deadline),
      'lambda-runtime-invoked-function-arn': config.arn,
      'lambda-runtime-trace-id': `Root=1-${randomUUID().slice(0, 8)}`,
    });
    waiting.end(p.event);
    waiting = undefined;
  };

  const runtimeApi: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const path = (req.url ?? '').replace(/^\/2018-06-01\/runtime/, '');
      if (req.method === 'GET' && path === '/invocation/next') {
        initDone(Date.now() - started);
        waiting = res;
        return deliver();
      }
      const m = /^\/invocation\/([^/]+)\/(response|error)$/.exec(path);
      const p = m ? inFlight.get(m[1]!) : undefined;
      if (p) {
        inFlight.delete(p.id);
        if (m![2] === 'response') p.resolve(body ? JSON.parse(body) : null);
        else {
          const e = JSON.parse(body) as { errorType: string; errorMessage: string };
          p.reject(new LambdaError(e.errorType, e.errorMessage, logs()));
        }
      } else if (path === '/init/error') {
        const e = JSON.parse(body) as { errorType: string; errorMessage: string };
        fail(new LambdaError(`init: ${e.errorType}`, e.errorMessage, logs()));
      }
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((ok) => runtimeApi.listen(0, '127.0.0.1', ok));
  const address = runtimeApi.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const node = nodeFor(config.runtime);
  const env: Record<string, string> = {
    // What the execution environment has by default; a function's configuration may change these.
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    PATH: `${dirname(node)}:/usr/local/bin:/usr/bin:/bin`,
    // The function's own configuration, from the template.
    ...config.environment,
    // Not Lambda: the SDK's standard endpoint settings send every AWS call to a local stand-in
    // (DynamoDB Local, fakeAws.ts), and no shared config file of this machine is read.
    ...service.endpoints,
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    // What the Lambda service sets.
    _HANDLER: config.handler,
    AWS_REGION: service.region,
    AWS_DEFAULT_REGION: service.region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${config.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: config.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: config.logGroupName,
    AWS_LAMBDA_LOG_STREAM_NAME: `2026/01/01/[$LATEST]${randomUUID().replace(/-/g, '')}`,
    AWS_ACCESS_KEY_ID: service.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: service.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: service.credentials.sessionToken,
    AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
    LAMBDA_TASK_ROOT: config.taskRoot,
    LAMBDA_RUNTIME_DIR: dirname(BOOTSTRAP),
  };
  // The heap is bounded by the function's memory, as in Lambda (where it is the whole sandbox).
  const child: ChildProcess = spawn(node, [`--max-old-space-size=${Math.floor(config.memoryMb * 0.9)}`, BOOTSTRAP], {
    cwd: config.taskRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  child.on('exit', (code, signal) =>
    fail(new LambdaError('Runtime.ExitError', `process exited (code ${code}, signal ${signal})`, logs())),
  );

  let chain: Promise<unknown> = Promise.resolve();
  const invokeOnce = (event: unknown) =>
    new Promise<unknown>((resolvePromise, reject) => {
      if (failure) return reject(failure);
      const deadline = Date.now() + config.timeoutSeconds * 1000;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        fail(new LambdaError('Sandbox.Timedout', `Task timed out after ${config.timeoutSeconds} seconds`, logs()));
      }, config.timeoutSeconds * 1000);
      const settle =
        <T>(f: (v: T) => void) =>
        (v: T) => {
          clearTimeout(timer);
          f(v);
        };
      queue.push({
        id: randomUUID(),
        event: JSON.stringify(event),
        deadline,
        resolve: settle(resolvePromise),
        reject: settle(reject),
      });
      deliver();
    });

  return {
    config,
    env,
    initMs: () => init,
    // One event at a time per execution environment, as Lambda does.
    invoke: (event) => {
      const result = chain.then(() => invokeOnce(event));
      chain = result.catch(() => undefined);
      return result;
    },
    logs,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((ok) => child.once('exit', ok));
        child.kill('SIGKILL');
        await exited;
      }
      waiting?.destroy();
      runtimeApi.closeAllConnections();
      await new Promise((ok) => runtimeApi.close(ok));
    },
  };
}
