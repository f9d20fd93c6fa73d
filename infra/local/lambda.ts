import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { functions, type FunctionName } from '../functions';
import { log } from '../../functions/shared/adapters/log';
import { lambdaContext, loadHandler } from './gateway';

/**
 * The local stand-in for the Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`), so
 * a function that invokes another does it with the same SDK call locally as deployed (the opendata
 * function starts the publisher this way). `Event` invocations answer 202 at once and run the
 * function in this process afterwards, as Lambda's queue would; `RequestResponse` runs it and
 * answers its result. Functions are named as in infra/functions.ts (or by an ARN ending in the name).
 * Listens on 127.0.0.1 only, on a port of its own; requests are not signature-checked.
 */
export type Invoke = (fn: FunctionName, event: unknown, context: Context) => Promise<unknown>;

export interface LocalLambda {
  endpoint: string;
  /** Resolves when every `Event` invocation accepted so far has finished. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

function functionNameOf(raw: string): FunctionName | undefined {
  const name = decodeURIComponent(raw).split(':').at(-1)!;
  return Object.hasOwn(functions, name) ? (name as FunctionName) : undefined;
}

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

const defaultInvoke: Invoke = async (fn, event, context) => (await loadHandler(fn))(event, context);

export async function startLocalLambda(opts: { invoke?: Invoke } = {}): Promise<LocalLambda> {
  const invoke = opts.invoke ?? defaultInvoke;
  const inFlight = new Set<Promise<unknown>>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const m = INVOKE_PATH.exec(new URL(req.url ?? '/', 'http://localhost').pathname);
    const fn = m && req.method === 'POST' ? functionNameOf(m[1]!) : undefined;
    if (!fn) {
      res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' });
      return res.end(JSON.stringify({ Type: 'User', message: 'Function not found' }));
    }
    const event = await body(req);
    const requestId = randomUUID();
    const context = lambdaContext(fn, requestId);
    if (String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse') === 'Event') {
      const run = invoke(fn, event, context)
        .catch((e: unknown) =>
          log('error', 'asynchronous invocation failed', {
            fn,
            error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
          }),
        )
        .finally(() => inFlight.delete(run));
      inFlight.add(run);
      res.writeHead(202, { 'x-amzn-requestid': requestId });
      return res.end();
    }
    try {
      const result = await invoke(fn, event, context);
      res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': requestId });
      res.end(JSON.stringify(result ?? null));
    } catch (e) {
      res.writeHead(200, { 'x-amz-function-error': 'Unhandled', 'x-amzn-requestid': requestId });
      res.end(JSON.stringify({ errorType: e instanceof Error ? e.name : 'Error', errorMessage: String(e) }));
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ Type: 'User', message: 'The request could not be read' }));
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const settled = async () => {
    while (inFlight.size) await Promise.allSettled([...inFlight]);
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    settled,
    stop: async () => {
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeIdleConnections();
      });
      await settled();
    },
  };
}
