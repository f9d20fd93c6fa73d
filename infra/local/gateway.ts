import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createGzip } from 'node:zlib';
import { functions, type FunctionName } from '../functions';
import type { Route } from '../../schemas/routes';
import { matchRoute } from './routeMatch';
import { authorizeEvent as authorize } from '../../functions/authorizer/entry/http';
import { principalToContext } from '../../functions/shared/domain/principal';
import { DomainError, problemOf } from '../../functions/shared/domain/errors';
import { MAX_CSV_BODY_BYTES } from '../../functions/shared/adapters/http';
import { log } from '../../functions/shared/adapters/log';
import { serveReleaseFile } from './releaseFiles';
import { WEB_DIST } from '../web/build';

/**
 * The local API gateway: turns HTTP requests into the API Gateway REST (v1) proxy events the deployed
 * API sends, runs the same authorizer, and calls the same handlers, all from the one route table.
 * It also serves the built web apps from `web/dist/` (the portal at `/`, the console at `/console/`).
 */
type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
const handlerCache = new Map<string, Promise<LambdaHandler>>();

export function loadHandler(fn: FunctionName, exportName = 'handler'): Promise<LambdaHandler> {
  const key = `${fn}#${exportName}`;
  let h = handlerCache.get(key);
  if (!h) {
    h = import(pathToFileURL(join(REPO_ROOT, functions[fn].entry)).href).then((m: Record<string, LambdaHandler>) => {
      const f = m[exportName];
      if (typeof f !== 'function') throw new Error(`${functions[fn].entry} exports no ${exportName}`);
      return f;
    });
    handlerCache.set(key, h);
  }
  return h;
}

export function lambdaContext(fn: string, requestId: string = randomUUID()): Context {
  const deadline = Date.now() + (functions[fn as FunctionName]?.timeoutSeconds ?? 29) * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: fn,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${fn}`,
    memoryLimitInMB: String(functions[fn as FunctionName]?.memoryMb ?? 512),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${fn}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function sendProblem(res: ServerResponse, err: DomainError): void {
  res.writeHead(err.status, { 'content-type': 'application/problem+json', ...(err.headers ?? {}) });
  res.end(JSON.stringify(problemOf(err)));
}

/**
 * Reads the body up to the largest size any route accepts (API Gateway itself caps at 10 MB). A body
 * beyond that is refused with 413 only after the rest of it has been read and discarded: giving up on
 * a request stream half-way destroys its socket, and the client's next request on that keep-alive
 * connection would meet a reset. Draining is bounded in time by the server's `requestTimeout`.
 */
function readBody(req: IncomingMessage): Promise<Buffer> {
  const limit = MAX_CSV_BODY_BYTES + 1024;
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.once('end', () => {
      if (size <= limit) return done(Buffer.concat(chunks));
      fail(new DomainError('payload-too-large', `The body may be at most ${MAX_CSV_BODY_BYTES} bytes`));
    });
    req.once('error', fail);
  });
}

/**
 * Names from outside (headers, query parameters) are collected in Maps, never as keys of a plain
 * object: `constructor` or `__proto__` would find Object.prototype's members there. The event gets
 * them as own properties (Object.fromEntries), which is what the JSON of a deployed event parses to.
 */
function valueMaps(pairs: Iterable<[string, string]>, join: (a: string, b: string) => string) {
  const single = new Map<string, string>();
  const multi = new Map<string, string[]>();
  for (const [k, v] of pairs) {
    const before = single.get(k);
    single.set(k, before === undefined ? v : join(before, v));
    const all = multi.get(k);
    if (all) all.push(v);
    else multi.set(k, [v]);
  }
  return { single: Object.fromEntries(single), multi: Object.fromEntries(multi), count: single.size };
}

function* headerPairs(req: IncomingMessage): Generator<[string, string]> {
  for (let i = 0; i < req.rawHeaders.length; i += 2) yield [req.rawHeaders[i]!, req.rawHeaders[i + 1]!];
}

export function buildProxyEvent(
  req: IncomingMessage,
  url: URL,
  route: Route,
  pathParameters: Record<string, string>,
  body: Buffer,
): APIGatewayProxyEvent {
  const headers = valueMaps(headerPairs(req), (a, b) => `${a},${b}`);
  // API Gateway keeps a query parameter's last value.
  const query = valueMaps(url.searchParams, (_, b) => b);
  const requestId = randomUUID();
  const hasQuery = query.count > 0;
  const isText = body.length === 0 || isUtf8(body);
  return {
    resource: route.path,
    path: url.pathname,
    httpMethod: route.method,
    headers: headers.single,
    multiValueHeaders: headers.multi,
    queryStringParameters: hasQuery ? query.single : null,
    multiValueQueryStringParameters: hasQuery ? query.multi : null,
    pathParameters: Object.keys(pathParameters).length ? pathParameters : null,
    stageVariables: null,
    body: body.length === 0 ? null : isText ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: !isText,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: route.method,
      identity: {
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: req.headers['user-agent'] ?? null,
      } as APIGatewayProxyEvent['requestContext']['identity'],
      path: url.pathname,
      // API Gateway's name for the host the client called; links are built from it (opendata).
      domainName: req.headers.host ?? '127.0.0.1',
      stage: 'local',
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: route.path,
    },
  };
}

function isUtf8(b: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};

/**
 * The CloudFront Function that maps page addresses to their app's index.html, loaded from the very
 * file the stack deploys (infra/web/spaRewrite.js), so local and deployed routing cannot drift.
 */
const spaRewrite = new Function(
  `${readFileSync(join(REPO_ROOT, 'infra', 'web', 'spaRewrite.js'), 'utf8')}; return handler;`,
)() as (event: { request: { uri: string } }) => { uri: string };

const COMPRESSIBLE = /^(text\/|application\/(json|manifest\+json)|image\/svg)/;

function serveStatic(url: URL, req: IncomingMessage, res: ServerResponse): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(spaRewrite({ request: { uri: url.pathname } }).uri);
  } catch {
    return false; // malformed percent-encoding: nothing here (404), not a crash
  }
  if (decoded.includes('\0')) return false;
  const file = join(WEB_DIST, normalize(decoded).replace(/^(\.\.[/\\])+/, ''));
  // Only files strictly inside web/dist/ (a sibling such as dist2/ shares the prefix but not the separator).
  if (!file.startsWith(WEB_DIST + sep) || !existsSync(file) || !statSync(file).isFile()) return false;
  // Hashed assets never change under their name; pages must be re-read to pick up a new build.
  const cache = file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
  const type = STATIC_TYPES[extname(file)] ?? 'application/octet-stream';
  // Text is sent gzipped to clients that accept it, as CloudFront does when deployed.
  const gzip = COMPRESSIBLE.test(type) && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  res.writeHead(200, {
    'content-type': type,
    'cache-control': cache,
    vary: 'accept-encoding',
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  });
  if (gzip) createReadStream(file).pipe(createGzip()).pipe(res);
  else createReadStream(file).pipe(res);
  return true;
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const method = req.method ?? 'GET';
  if (!url.pathname.startsWith('/v1/')) {
    if ((method === 'GET' || method === 'HEAD') && (await serveReleaseFile(url, method, req, res))) return;
    if ((method === 'GET' || method === 'HEAD') && serveStatic(url, req, res)) return;
    return sendProblem(res, new DomainError('not-found', 'Nothing at this path'));
  }
  const match = matchRoute(method, url.pathname);
  if (!match.route) {
    if (match.methodsForPath.length) {
      const err = new DomainError('method-not-allowed', `${method} is not allowed here`, undefined, {
        allow: match.methodsForPath.join(', '),
      });
      return sendProblem(res, err);
    }
    return sendProblem(res, new DomainError('not-found', `No route ${method} at this path`));
  }
  const body = await readBody(req);
  const event = buildProxyEvent(req, url, match.route, match.pathParameters, body);

  if (match.route.access.kind === 'token' || match.route.access.kind === 'optional') {
    try {
      const principal = await authorize({
        headers: event.headers,
        httpMethod: event.httpMethod,
        resource: event.resource,
      });
      event.requestContext.authorizer = { ...principalToContext(principal), principalId: principal.sub };
    } catch {
      // The stack configures API Gateway's UNAUTHORIZED response to this same problem+json.
      return sendProblem(res, new DomainError('unauthorized'));
    }
  }

  const fn = match.route.fn;
  const handler = await loadHandler(fn);
  const result = (await handler(event, lambdaContext(fn, event.requestContext.requestId))) as APIGatewayProxyResult;
  const headers: Record<string, string | number | boolean> = { ...(result.headers ?? {}) };
  for (const [k, vs] of Object.entries(result.multiValueHeaders ?? {})) headers[k] = vs.join(', ');
  res.writeHead(result.statusCode, headers as Record<string, string>);
  res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}

export type MountedHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface Gateway {
  url: string;
  server: Server;
  /**
   * Serves every request under `prefix` (e.g. the local OpenID Provider at `/oidc`) on the gateway's
   * own port: its issuer URL then needs the port the gateway got, so it is mounted after listening.
   */
  mount(prefix: string, handler: MountedHandler): void;
  close(): Promise<void>;
}

function mountFor(mounts: Map<string, MountedHandler>, rawUrl: string | undefined): MountedHandler | undefined {
  const path = (rawUrl ?? '/').split('?')[0]!;
  for (const [prefix, handler] of mounts) if (path === prefix || path.startsWith(`${prefix}/`)) return handler;
  return undefined;
}

export async function startGateway(opts: { port: number; host?: string }): Promise<Gateway> {
  const host = opts.host ?? '127.0.0.1';
  const mounts = new Map<string, MountedHandler>();
  const server = createServer((req, res) => {
    (mountFor(mounts, req.url) ?? handle)(req, res).catch((e: unknown) => {
      if (e instanceof DomainError) return sendProblem(res, e);
      log('error', 'gateway error', { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
      if (!res.headersSent)
        sendProblem(res, new DomainError('internal-error', 'The local gateway failed; see its log'));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port, host, () => ok());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  return {
    url: `http://${host}:${port}`,
    server,
    mount: (prefix, handler) => mounts.set(prefix, handler),
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeIdleConnections();
      }),
  };
}
