import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { generateP256Key } from './p256';

/**
 * Local stand-ins for the AWS services (other than DynamoDB) that the deployed functions call, each
 * speaking just enough of the service's wire protocol for the calls the functions make, and each
 * refusing what it does not know, so that a function calling something new fails loudly here
 * instead of silently reaching for AWS:
 * - KMS (awsJson1_1): GetPublicKey and Sign, for the template's ECC_NIST_P256 signing keys only;
 * - S3 (restXml, path-style): GetObject and PutObject, in memory, on the template's buckets only;
 * - API Gateway (restJson): CreateApiKey and CreateUsagePlanKey, on the template's usage plan only;
 * - every other service (`AWS_ENDPOINT_URL`): 501, recorded;
 * - an identity provider: the JWKS the authorizer fetches, and the tokens it signs.
 * Every call is recorded (`calls`) so the test can say which AWS calls a happy path made.
 */
export interface AwsCall {
  service: string;
  operation: string;
  input: Record<string, unknown>;
}

export interface FakeAws {
  endpoints: Record<'kms' | 's3' | 'apiGateway' | 'other', string>;
  jwksUrl: string;
  calls: AwsCall[];
  /** What the deployed resources are called, and who may do what, once the template is resolved. */
  configure(resources: Resources): void;
  putObject(bucket: string, key: string, body: string): { eTag: string; size: number };
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
  partition: string;
  region: string;
  authorize: Authorize;
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

export async function startFakeAws(): Promise<FakeAws> {
  const calls: AwsCall[] = [];
  let resources: Resources | undefined;
  /** Asks IAM as the service would, with the caller's access key id from the SigV4 header. */
  const denied = (req: IncomingMessage, action: string, resource: string) =>
    resources!.authorize(/Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '', action, resource);
  const objects = new Map<string, { body: Buffer; eTag: string }>();
  const apiKeys = new Map<string, string>();
  const planKeys = new Set<string>();

  const kmsError = (type: string, message: string) =>
    json(400, { __type: type, message }, 'application/x-amz-json-1.1');
  /** One P-256 key pair per asymmetric signing key of the template, made on first use. */
  const keyPairs = new Map<string, ReturnType<typeof generateP256Key>>();
  const kms = await listen((req, raw) => {
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^TrentService\./, '');
    const input = JSON.parse(raw.toString() || '{}') as Record<string, string>;
    calls.push({ service: 'kms', operation, input: { ...input, Message: input.Message ? '<message>' : undefined } });
    const key = resources?.kmsKeys.find((k) => input.KeyId === k.arn || input.KeyId === k.keyId);
    if (!key) return kmsError('NotFoundException', `Key '${input.KeyId}' does not exist`);
    const denial = denied(req, `kms:${operation}`, key.arn);
    if (denial) return kmsError('AccessDeniedException', denial);
    if (key.keySpec !== 'ECC_NIST_P256' || key.keyUsage !== 'SIGN_VERIFY')
      return kmsError('UnsupportedOperationException', `this stand-in has ECC_NIST_P256 SIGN_VERIFY keys only`);
    let pair = keyPairs.get(key.arn);
    if (!pair) keyPairs.set(key.arn, (pair = generateP256Key()));
    const ok = (body: unknown) => json(200, body, 'application/x-amz-json-1.1');
    if (operation === 'GetPublicKey')
      return ok({
        KeyId: key.arn,
        PublicKey: pair.spki.toString('base64'),
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        SigningAlgorithms: ['ECDSA_SHA_256'],
      });
    if (operation === 'Sign') {
      if (input.SigningAlgorithm !== 'ECDSA_SHA_256')
        return kmsError('ValidationException', 'this stand-in signs with ECDSA_SHA_256 only');
      const message = Buffer.from(input.Message ?? '', 'base64');
      // RAW: KMS hashes the message itself; DIGEST: the caller did.
      const digest = input.MessageType === 'DIGEST' ? message : createHash('sha256').update(message).digest();
      const signature = pair.signDigest(digest);
      return ok({ KeyId: key.arn, Signature: signature.toString('base64'), SigningAlgorithm: 'ECDSA_SHA_256' });
    }
    return kmsError('UnsupportedOperationException', `${operation} is not stubbed`);
  });

  const s3 = await listen((req, raw): Reply => {
    const url = new URL(req.url ?? '/', 'http://s3');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const operation = req.method === 'PUT' ? 'PutObject' : req.method === 'GET' ? 'GetObject' : String(req.method);
    calls.push({ service: 's3', operation, input: { Bucket: bucket, Key: key } });
    if (!resources?.buckets.includes(bucket))
      return xmlError(404, 'NoSuchBucket', 'The specified bucket does not exist');
    const denial = denied(req, `s3:${operation}`, `arn:${resources.partition}:s3:::${bucket}/${key}`);
    if (denial) return xmlError(403, 'AccessDenied', denial);
    if (operation === 'PutObject') {
      const eTag = `"${randomUUID().replace(/-/g, '')}"`;
      const chunked = /aws-chunked/.test(String(req.headers['content-encoding'] ?? ''));
      objects.set(`${bucket}/${key}`, { body: chunked ? decodeAwsChunked(raw) : raw, eTag });
      return { status: 200, headers: { etag: eTag } };
    }
    if (operation !== 'GetObject') return xmlError(501, 'NotImplemented', `${operation} is not stubbed`);
    const object = objects.get(`${bucket}/${key}`);
    if (!object) return xmlError(404, 'NoSuchKey', 'The specified key does not exist.');
    return {
      status: 200,
      headers: {
        etag: object.eTag,
        'content-type': 'text/csv',
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

  const servers = [kms, s3, apiGateway, other, idp].map((s) => s.server);
  return {
    endpoints: { kms: kms.url, s3: s3.url, apiGateway: apiGateway.url, other: other.url },
    jwksUrl: `${idp.url}/.well-known/jwks.json`,
    calls,
    configure: (r) => {
      resources = r;
    },
    putObject(bucket, key, body) {
      const eTag = randomUUID().replace(/-/g, '');
      objects.set(`${bucket}/${key}`, { body: Buffer.from(body), eTag: `"${eTag}"` });
      return { eTag, size: Buffer.byteLength(body) };
    },
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
