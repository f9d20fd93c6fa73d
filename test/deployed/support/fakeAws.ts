import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { generateP256Key } from './p256';

/**
 * Local stand-ins for the AWS services (other than DynamoDB) that the deployed functions call, each
 * speaking just enough of the service's wire protocol for the calls the functions make, and each
 * refusing what it does not know, so that a function calling something new fails loudly here
 * instead of silently reaching for AWS:
 * - KMS (awsJson1_1): GetPublicKey and Sign on the template's ECC_NIST_P256 SIGN_VERIFY keys, and
 *   GenerateMac on its HMAC_256 GENERATE_VERIFY_MAC keys; no other key kind, no other operation;
 * - S3 (restXml, path-style): GetObject and PutObject (`If-None-Match: *` honoured: create-only), in
 *   memory, on the template's buckets only;
 * - API Gateway (restJson): CreateApiKey and CreateUsagePlanKey, on the template's usage plan only;
 * - Lambda (restJson): Invoke with InvocationType Event on the template's functions: it answers 202
 *   at once and then runs the function with the payload (`Resources.invoke`, as the harness runs any
 *   function), recording the run in `asyncInvocations`; no retries, no other invocation type;
 * - SQS (awsJson1_0): SendMessageBatch to the template's queues, kept in memory (`sqsMessages`);
 * - every other service (`AWS_ENDPOINT_URL`): 501, recorded;
 * - an identity provider: the JWKS the authorizer fetches, and the tokens it signs.
 * Every call is recorded (`calls`) so the test can say which AWS calls a happy path made.
 */
export interface AwsCall {
  service: string;
  operation: string;
  input: Record<string, unknown>;
}

/** An event Lambda accepted with InvocationType Event, and what became of running it. */
export interface AsyncInvocation {
  functionArn: string;
  payload: unknown;
  /** Settles when the function has run: its result, or the error it failed with (never rejects). */
  done: Promise<{ result?: unknown; error?: Error }>;
}

export interface StoredObject {
  body: Buffer;
  eTag: string;
  contentType?: string;
  cacheControl?: string;
}

export interface SentMessage {
  queueUrl: string;
  body: string;
  delaySeconds: number;
}

export interface FakeAws {
  endpoints: Record<'kms' | 's3' | 'apiGateway' | 'lambda' | 'sqs' | 'other', string>;
  /** Every message the SQS stand-in accepted, in order. */
  sqsMessages: SentMessage[];
  jwksUrl: string;
  calls: AwsCall[];
  /** Every event the Lambda stand-in queued (InvocationType Event), in order. */
  asyncInvocations: AsyncInvocation[];
  /** What the deployed resources are called, and who may do what, once the template is resolved. */
  configure(resources: Resources): void;
  putObject(bucket: string, key: string, body: string): { eTag: string; size: number };
  /** An object as the S3 stand-in holds it (whoever wrote it). */
  getObject(bucket: string, key: string): StoredObject | undefined;
  /** API keys registered in the usage plan (what API Gateway checks `x-api-key` against). */
  usagePlanKeys(): Set<string>;
  issueToken(claims: Record<string, string>, opts: { issuer: string; audience: string }): Promise<string>;
  stop(): Promise<void>;
}

/** Undefined when the caller (an access key id) may perform the action on the resource; else why not. */
export type Authorize = (accessKeyId: string, action: string, resource: string) => string | undefined;

export interface KmsKey {
  arn: string;
  keyId: string;
  keySpec?: string;
  keyUsage?: string;
}

export interface Resources {
  kmsKeys: KmsKey[];
  buckets: string[];
  usagePlanId: string;
  /** The ARN of every AWS::Lambda::Function of the template. */
  functions: string[];
  /** Every AWS::SQS::Queue of the template. */
  queues: { url: string; arn: string }[];
  partition: string;
  region: string;
  accountId: string;
  authorize: Authorize;
  /** Runs a function of the template on an event, as the harness runs it for any trigger. */
  invoke(functionArn: string, event: unknown): Promise<unknown>;
}

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}
type Handler = (req: IncomingMessage, body: Buffer) => Reply;

async function listen(handler: Handler): Promise<{ server: Server; url: string }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let out: ReturnType<Handler>;
      try {
        out = handler(req, Buffer.concat(chunks));
      } catch (e) {
        out = { status: 500, body: JSON.stringify({ message: e instanceof Error ? e.message : String(e) }) };
      }
      res.writeHead(out.status, out.headers ?? {});
      res.end(out.body ?? '');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

const json = (status: number, body: unknown, contentType = 'application/json') => ({
  status,
  headers: { 'content-type': contentType },
  body: JSON.stringify(body),
});

const xmlError = (status: number, code: string, message: string) => ({
  status,
  headers: { 'content-type': 'application/xml' },
  body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
});

/** The SDK streams bodies with trailing checksums as `aws-chunked`: size line, data, ..., 0, trailers. */
function decodeAwsChunked(raw: Buffer): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; ; ) {
    const end = raw.indexOf('\r\n', i);
    const size = Number.parseInt(raw.subarray(i, end).toString().split(';')[0]!, 16);
    if (!size) return Buffer.concat(out);
    out.push(raw.subarray(end + 2, end + 2 + size));
    i = end + 2 + size + 2;
  }
}

/**
 * The function an Invoke names, as Lambda reads FunctionName: a name, a partial ARN
 * (`<account>:function:<name>`) or an ARN, each optionally `:<qualifier>`, or the Qualifier parameter.
 * Only the unpublished version is known here (`$LATEST`, or no qualifier): the template publishes no
 * versions or aliases. `qualified` is the resource IAM authorizes the call on.
 */
function functionOf(
  r: Resources,
  name: string,
  qualifierParam: string | undefined,
): { arn: string; qualified: string } | { status: number; type: string; error: string } {
  const m =
    /^arn:([^:]+):lambda:([^:]+):(\d{12}):function:([^:]+)(?::([^:]+))?$/.exec(name) ??
    /^()()(\d{12}):function:([^:]+)(?::([^:]+))?$/.exec(name) ??
    /^()()()([^:]+)(?::([^:]+))?$/.exec(name);
  if (!m) return { status: 400, type: 'ValidationException', error: `Invalid FunctionName: ${name}` };
  const [, partition, region, account, fn, qualifierInName] = m;
  if (qualifierInName && qualifierParam && qualifierInName !== qualifierParam)
    return { status: 400, type: 'InvalidParameterValueException', error: 'The derived qualifier does not match' };
  const qualifier = qualifierInName ?? qualifierParam;
  const arn = `arn:${partition || r.partition}:lambda:${region || r.region}:${account || r.accountId}:function:${fn}`;
  if (qualifier !== undefined && qualifier !== '$LATEST')
    return { status: 404, type: 'ResourceNotFoundException', error: `Function not found: ${arn}:${qualifier}` };
  return { arn, qualified: qualifier ? `${arn}:${qualifier}` : arn };
}

export async function startFakeAws(): Promise<FakeAws> {
  const calls: AwsCall[] = [];
  let resources: Resources | undefined;
  /** Asks IAM as the service would, with the caller's access key id from the SigV4 header. */
  const denied = (req: IncomingMessage, action: string, resource: string) =>
    resources!.authorize(/Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '', action, resource);
  const objects = new Map<string, StoredObject>();
  const asyncInvocations: AsyncInvocation[] = [];
  const apiKeys = new Map<string, string>();
  const planKeys = new Set<string>();

  const kmsError = (type: string, message: string) =>
    json(400, { __type: type, message }, 'application/x-amz-json-1.1');
  /** One P-256 key pair per asymmetric signing key of the template, made on first use. */
  const keyPairs = new Map<string, ReturnType<typeof generateP256Key>>();
  /** One random 256-bit secret per HMAC key of the template, made on first use: its MACs are deterministic. */
  const macSecrets = new Map<string, Buffer>();
  const kms = await listen((req, raw) => {
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^TrentService\./, '');
    const input = JSON.parse(raw.toString() || '{}') as Record<string, string>;
    calls.push({
      service: 'kms',
      operation,
      input: { ...input, Message: input.Message ? '<message>' : undefined, Mac: input.Mac ? '<mac>' : undefined },
    });
    const key = resources?.kmsKeys.find((k) => input.KeyId === k.arn || input.KeyId === k.keyId);
    if (!key) return kmsError('NotFoundException', `Key '${input.KeyId}' does not exist`);
    const denial = denied(req, `kms:${operation}`, key.arn);
    if (denial) return kmsError('AccessDeniedException', denial);
    const ok = (body: unknown) => json(200, body, 'application/x-amz-json-1.1');
    const kind = `${key.keySpec} ${key.keyUsage}`;
    const SIGNING = ['GetPublicKey', 'Sign'];
    const MAC = ['GenerateMac'];
    if (kind !== 'ECC_NIST_P256 SIGN_VERIFY' && kind !== 'HMAC_256 GENERATE_VERIFY_MAC')
      return kmsError(
        'UnsupportedOperationException',
        'this stand-in has ECC_NIST_P256 SIGN_VERIFY and HMAC_256 GENERATE_VERIFY_MAC keys only',
      );
    if (![...SIGNING, ...MAC].includes(operation))
      return kmsError('UnsupportedOperationException', `${operation} is not stubbed`);
    // KMS refuses an operation the key's usage does not allow.
    if (!(kind === 'ECC_NIST_P256 SIGN_VERIFY' ? SIGNING : MAC).includes(operation))
      return kmsError(
        'InvalidKeyUsageException',
        `${key.arn} key usage is ${key.keyUsage} which is not valid for ${operation}.`,
      );
    if (operation === 'GenerateMac') {
      if (input.MacAlgorithm !== 'HMAC_SHA_256')
        return kmsError('InvalidKeyUsageException', `${input.MacAlgorithm} is not valid for an HMAC_256 key`);
      const message = Buffer.from(input.Message ?? '', 'base64');
      if (message.length < 1 || message.length > 4096)
        return kmsError('ValidationException', 'Message must be 1 to 4096 bytes long');
      let secret = macSecrets.get(key.arn);
      if (!secret) macSecrets.set(key.arn, (secret = randomBytes(32)));
      const mac = createHmac('sha256', secret).update(message).digest();
      return ok({ KeyId: key.arn, Mac: mac.toString('base64'), MacAlgorithm: 'HMAC_SHA_256' });
    }
    let pair = keyPairs.get(key.arn);
    if (!pair) keyPairs.set(key.arn, (pair = generateP256Key()));
    if (operation === 'GetPublicKey')
      return ok({
        KeyId: key.arn,
        PublicKey: pair.spki.toString('base64'),
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        SigningAlgorithms: ['ECDSA_SHA_256'],
      });
    if (input.SigningAlgorithm !== 'ECDSA_SHA_256')
      return kmsError('ValidationException', 'this stand-in signs with ECDSA_SHA_256 only');
    const message = Buffer.from(input.Message ?? '', 'base64');
    // RAW: KMS hashes the message itself; DIGEST: the caller did.
    const digest = input.MessageType === 'DIGEST' ? message : createHash('sha256').update(message).digest();
    const signature = pair.signDigest(digest);
    return ok({ KeyId: key.arn, Signature: signature.toString('base64'), SigningAlgorithm: 'ECDSA_SHA_256' });
  });

  const s3 = await listen((req, raw): Reply => {
    const url = new URL(req.url ?? '/', 'http://s3');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const operation = req.method === 'PUT' ? 'PutObject' : req.method === 'GET' ? 'GetObject' : String(req.method);
    const ifNoneMatch = req.headers['if-none-match'];
    calls.push({
      service: 's3',
      operation,
      input: { Bucket: bucket, Key: key, ...(ifNoneMatch === undefined ? {} : { IfNoneMatch: ifNoneMatch }) },
    });
    if (!resources?.buckets.includes(bucket))
      return xmlError(404, 'NoSuchBucket', 'The specified bucket does not exist');
    const denial = denied(req, `s3:${operation}`, `arn:${resources.partition}:s3:::${bucket}/${key}`);
    if (denial) return xmlError(403, 'AccessDenied', denial);
    if (operation === 'PutObject') {
      // S3's conditional writes: `If-None-Match: *` creates only; no other value is supported on a PUT.
      if (ifNoneMatch !== undefined && ifNoneMatch !== '*')
        return xmlError(501, 'NotImplemented', 'If-None-Match on PutObject supports * only');
      if (ifNoneMatch === '*' && objects.has(`${bucket}/${key}`))
        return xmlError(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      const eTag = `"${randomUUID().replace(/-/g, '')}"`;
      const chunked = /aws-chunked/.test(String(req.headers['content-encoding'] ?? ''));
      objects.set(`${bucket}/${key}`, {
        body: chunked ? decodeAwsChunked(raw) : raw,
        eTag,
        contentType: req.headers['content-type'],
        cacheControl: req.headers['cache-control'],
      });
      return { status: 200, headers: { etag: eTag } };
    }
    if (operation !== 'GetObject') return xmlError(501, 'NotImplemented', `${operation} is not stubbed`);
    const object = objects.get(`${bucket}/${key}`);
    if (!object) return xmlError(404, 'NoSuchKey', 'The specified key does not exist.');
    return {
      status: 200,
      headers: {
        etag: object.eTag,
        'content-type': object.contentType ?? 'binary/octet-stream',
        ...(object.cacheControl ? { 'cache-control': object.cacheControl } : {}),
        'content-length': String(object.body.length),
        'last-modified': new Date().toUTCString(),
      },
      body: object.body,
    };
  });

  const apiGateway = await listen((req, raw) => {
    const input = JSON.parse(raw.toString() || '{}') as Record<string, string>;
    const plan = /^\/usageplans\/([^/]+)\/keys$/.exec(req.url ?? '');
    const operation =
      req.url === '/apikeys' ? 'CreateApiKey' : plan ? 'CreateUsagePlanKey' : `${req.method} ${req.url}`;
    calls.push({ service: 'apigateway', operation, input: { ...input, value: input.value ? '<key>' : undefined } });
    const path = (req.url ?? '').split('?')[0];
    const denial =
      resources &&
      denied(req, `apigateway:${req.method}`, `arn:${resources.partition}:apigateway:${resources.region}::${path}`);
    if (denial) return { ...json(403, { message: denial }), headers: { 'x-amzn-errortype': 'AccessDeniedException' } };
    if (req.method === 'POST' && operation === 'CreateApiKey') {
      const id = randomUUID().replace(/-/g, '').slice(0, 10);
      apiKeys.set(id, input.value ?? '');
      return json(201, { id, name: input.name, enabled: input.enabled, createdDate: Date.now() / 1000 });
    }
    if (req.method === 'POST' && plan) {
      if (plan[1] !== resources?.usagePlanId) return json(404, { message: 'Invalid Usage Plan ID specified' });
      const value = apiKeys.get(input.keyId ?? '');
      if (value === undefined) return json(404, { message: 'Invalid API Key identifier specified' });
      planKeys.add(value);
      return json(201, { id: input.keyId, type: input.keyType });
    }
    return json(501, { message: `${operation} is not stubbed` });
  });

  /** Lambda's restJson errors: the type in `x-amzn-errortype`, the message in the body. */
  const lambdaError = (status: number, type: string, message: string) => ({
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': type },
    body: JSON.stringify({ Type: 'User', message }),
  });
  const lambda = await listen((req, raw) => {
    const url = new URL(req.url ?? '/', 'http://lambda');
    const invocation = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
    const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    const functionName = invocation ? decodeURIComponent(invocation[1]!) : '';
    const qualifier = url.searchParams.get('Qualifier') ?? undefined;
    const operation = req.method === 'POST' && invocation ? 'Invoke' : `${req.method} ${url.pathname}`;
    calls.push({
      service: 'lambda',
      operation,
      input: { FunctionName: functionName, InvocationType: invocationType, Qualifier: qualifier },
    });
    if (operation !== 'Invoke' || !resources) return json(501, { message: `${operation} is not stubbed` });
    const target = functionOf(resources, functionName, qualifier);
    if ('error' in target) return lambdaError(target.status, target.type, target.error);
    const denial = denied(req, 'lambda:InvokeFunction', target.qualified);
    if (denial) return lambdaError(403, 'AccessDeniedException', denial);
    if (!resources.functions.includes(target.arn))
      return lambdaError(404, 'ResourceNotFoundException', `Function not found: ${target.arn}`);
    if (invocationType !== 'Event')
      return json(501, { message: `InvocationType ${invocationType} is not stubbed (Event only)` });
    let payload: unknown;
    try {
      payload = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
    } catch {
      return lambdaError(400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
    // Queued: Lambda answers 202 before the function runs, and runs it once here (no retries).
    const done = resources.invoke(target.arn, payload).then(
      (result) => ({ result }),
      (e: unknown) => ({ error: e instanceof Error ? e : new Error(String(e)) }),
    );
    asyncInvocations.push({ functionArn: target.arn, payload, done });
    return { status: 202, headers: { 'x-amzn-requestid': randomUUID() } };
  });

  const sqsMessages: SentMessage[] = [];
  const sqsError = (status: number, type: string, message: string) =>
    json(status, { __type: `com.amazonaws.sqs#${type}`, message }, 'application/x-amz-json-1.0');
  const sqs = await listen((req, raw) => {
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSQS\./, '');
    const input = JSON.parse(raw.toString() || '{}') as {
      QueueUrl?: string;
      Entries?: { Id: string; MessageBody: string; DelaySeconds?: number }[];
    };
    calls.push({ service: 'sqs', operation, input: { QueueUrl: input.QueueUrl, entries: input.Entries?.length } });
    if (operation !== 'SendMessageBatch') return sqsError(400, 'UnsupportedOperation', `${operation} is not stubbed`);
    const queue = resources?.queues.find((q) => q.url === input.QueueUrl);
    if (!queue) return sqsError(400, 'QueueDoesNotExist', 'The specified queue does not exist.');
    // SendMessageBatch is authorized as sqs:SendMessage.
    const denial = denied(req, 'sqs:SendMessage', queue.arn);
    if (denial) return sqsError(403, 'AccessDenied', denial);
    const entries = input.Entries ?? [];
    if (entries.length < 1 || entries.length > 10)
      return sqsError(400, 'TooManyEntriesInBatchRequest', 'A batch holds 1 to 10 entries');
    if (entries.some((e) => (e.DelaySeconds ?? 0) > 900))
      return sqsError(400, 'InvalidParameterValue', 'DelaySeconds must be at most 900');
    for (const e of entries)
      sqsMessages.push({ queueUrl: queue.url, body: e.MessageBody, delaySeconds: e.DelaySeconds ?? 0 });
    return json(
      200,
      {
        // Real SQS answers each body's MD5, and the SDK client checks it.
        Successful: entries.map((e) => ({
          Id: e.Id,
          MessageId: randomUUID(),
          MD5OfMessageBody: createHash('md5').update(e.MessageBody).digest('hex'),
        })),
        Failed: [],
      },
      'application/x-amz-json-1.0',
    );
  });

  const other = await listen((req) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    calls.push({ service: 'unstubbed', operation: `${req.method} ${req.headers.host}${req.url} ${target}`, input: {} });
    return json(501, { message: 'No local stand-in for this AWS service (test/deployed/support/fakeAws.ts)' });
  });

  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `test-idp-${randomUUID().slice(0, 8)}`;
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), alg: 'ES256', use: 'sig', kid };
  const idp = await listen((req) =>
    req.url === '/.well-known/jwks.json' ? json(200, { keys: [publicJwk] }) : json(404, { message: 'not found' }),
  );

  const servers = [kms, s3, apiGateway, lambda, sqs, other, idp].map((s) => s.server);
  return {
    endpoints: {
      kms: kms.url,
      s3: s3.url,
      apiGateway: apiGateway.url,
      lambda: lambda.url,
      sqs: sqs.url,
      other: other.url,
    },
    sqsMessages,
    jwksUrl: `${idp.url}/.well-known/jwks.json`,
    calls,
    asyncInvocations,
    configure: (r) => {
      resources = r;
    },
    putObject(bucket, key, body) {
      const eTag = randomUUID().replace(/-/g, '');
      objects.set(`${bucket}/${key}`, { body: Buffer.from(body), eTag: `"${eTag}"`, contentType: 'text/csv' });
      return { eTag, size: Buffer.byteLength(body) };
    },
    getObject: (bucket, key) => objects.get(`${bucket}/${key}`),
    usagePlanKeys: () => new Set(planKeys),
    issueToken: ({ sub, ...claims }, opts) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid })
        .setSubject(sub ?? claims.role ?? 'someone')
        .setIssuer(opts.issuer)
        .setAudience(opts.audience)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(privateKey),
    stop: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((ok) => {
              s.closeAllConnections();
              s.close(() => ok());
            }),
        ),
      );
    },
  };
}
