import { createHash, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LAMBDA_RUNTIME } from '../../infra/constructs/bundling';
import { functions, type FunctionName } from '../../infra/functions';
import { statementCsv } from '../unit/finance/dayFixtures';
import { TemplateGateway, type ApiRequest } from './support/apiGateway';
import { createTables, deleteTables, synthesize, type DeployedStack } from './support/deployedStack';
import { objectCreatedEvent, scheduledEvent, streamBatch, triggerOf } from './support/events';
import { startDynamoProxy } from './support/dynamoProxy';
import { startFakeAws, type FakeAws } from './support/fakeAws';
import { TemplateIam, wildcardMatch } from './support/iam';
import { nativeAddons, RESERVED_VARIABLES, startFunction, type RunningFunction } from './support/lambdaRuntime';
import { DEPLOYMENT } from './support/template';

/**
 * Runs what `cdk deploy` would ship, the way Lambda would run it: the stack is synthesized with
 * bundling, and every function's asset (the unzipped index.mjs the template references) runs in its
 * own Node process with only the environment the template gives that function plus what the Lambda
 * service sets, against tables created in DynamoDB Local under the physical names the template
 * resolves to. One happy path per function, each reached the way the template wires it (API Gateway
 * method → authorizer → proxy integration; stream mapping; schedule rule; bucket notification).
 *
 * Where a deployed function calls AWS beyond DynamoDB, the call goes to a local stand-in speaking
 * that service's protocol (support/fakeAws.ts): KMS Sign/GetPublicKey for receipts and day proofs,
 * KMS GenerateMac and API Gateway CreateApiKey/CreateUsagePlanKey for open-data sign-up, S3
 * GetObject for uploaded statements and PutObject for published release files, Lambda Invoke (an
 * asynchronous Event, which runs the target's bundle like any other trigger) for publication jobs,
 * and the identity provider's JWKS for the authorizer. Any other AWS call fails and is reported.
 * Every AWS call, DynamoDB's included (support/dynamoProxy.ts), is authorized against the calling
 * function's role in the template, and every trigger against the function's resource policy
 * (support/iam.ts), as AWS would.
 *
 * The defects this catches: a function whose configuration (environment, handler, runtime, asset,
 * grants, triggers) works in the local stack, which hosts every function in one process with the
 * developer's environment and no IAM, but not as deployed.
 */
const IDP = { issuer: 'https://idp.bundles.example', audience: 'one-window-api' };
const FN_NAMES = Object.keys(functions) as FunctionName[];

let aws: FakeAws;
let deployed: DeployedStack;
let gateway: TemplateGateway;
let dynamodb: DynamoDBClient;
let streams: DynamoDBStreamsClient;
let iam: TemplateIam;
let dynamoProxy: { url: string; stop(): Promise<void> };
const running = new Map<FunctionName, RunningFunction>();
const invoked = new Set<FunctionName>();

function byArn(arn: string): RunningFunction {
  for (const f of running.values()) if (f.config.arn === arn) return f;
  throw new Error(`the template targets ${arn}, which is none of our functions`);
}

/** Invokes the function a template reference names, remembering that it ran. */
async function invoke(arn: string, event: unknown): Promise<unknown> {
  const f = byArn(arn);
  invoked.add(f.config.name as FunctionName);
  return f.invoke(event);
}

const arnOf = (name: FunctionName) => deployed.functions.get(name)!.arn;
const tableOf = (logical: string) =>
  [...deployed.tables].find(([id]) => id.startsWith(`${logical}Table`))?.[1] ?? `<no ${logical} table>`;
const count = async (logical: string) =>
  (await dynamodb.send(new ScanCommand({ TableName: tableOf(logical), Select: 'COUNT' }))).Count ?? 0;
/** One token per caller, reused as a client session would (and as the authorizer cache keys it). */
const tokens = new Map<string, Promise<string>>();
const token = (claims: Record<string, string>) => {
  const key = JSON.stringify(claims);
  if (!tokens.has(key)) tokens.set(key, aws.issueToken(claims, IDP));
  return tokens.get(key)!;
};

/**
 * A request through the template's API; asserts that the function answered (not API Gateway, nor
 * another function). A 5xx carries the function's log, as CloudWatch would have it.
 */
async function call(fn: FunctionName, req: ApiRequest) {
  const res = await gateway.request(req);
  const what = `${req.method} ${req.resource} → ${res.status} ${res.text.slice(0, 400)}`;
  expect(res.functionArn, `${what}\n(expected ${fn} to answer)`).toBe(arnOf(fn));
  if (res.status >= 500) expect.fail(`${what}\n--- ${fn} log (tail) ---\n${running.get(fn)!.logs().slice(-3000)}`);
  return res;
}

/** What an earlier step produced; its absence names the step to look at first. */
function needs<T>(value: T | undefined, step: string): T {
  if (value === undefined) throw new Error(`this step needs what the ${step} step produces; see its failure first`);
  return value;
}

beforeAll(async () => {
  aws = await startFakeAws();
  deployed = synthesize({ ...IDP, jwksUrl: aws.jwksUrl });
  const t = deployed.template;
  iam = new TemplateIam(t);
  aws.configure({
    kmsKeys: t.ofType('AWS::KMS::Key').map(([id, key]) => ({
      arn: t.getAtt(id, 'Arn'),
      keyId: t.ref(id),
      keySpec: key.Properties.KeySpec,
      keyUsage: key.Properties.KeyUsage,
    })),
    buckets: t.ofType('AWS::S3::Bucket').map(([id]) => t.ref(id)),
    usagePlanId: t.ref(t.ofType('AWS::ApiGateway::UsagePlan')[0]![0]),
    functions: t.ofType('AWS::Lambda::Function').map(([id]) => t.getAtt(id, 'Arn')),
    partition: DEPLOYMENT.partition,
    region: DEPLOYMENT.region,
    accountId: DEPLOYMENT.accountId,
    authorize: (key, action, resource) => iam.allows(key, action, resource),
    // Lambda runs an asynchronously invoked function as it runs it for any other trigger.
    invoke,
  });
  const endpoint = inject('dynamodbEndpoint');
  const local = { region: DEPLOYMENT.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  dynamodb = new DynamoDBClient({ endpoint, ...local });
  streams = new DynamoDBStreamsClient({ endpoint, ...local });
  await createTables(deployed, dynamodb);
  dynamoProxy = await startDynamoProxy(endpoint, iam);
  const endpoints = {
    AWS_ENDPOINT_URL_DYNAMODB: dynamoProxy.url,
    AWS_ENDPOINT_URL_KMS: aws.endpoints.kms,
    AWS_ENDPOINT_URL_S3: aws.endpoints.s3,
    AWS_ENDPOINT_URL_API_GATEWAY: aws.endpoints.apiGateway,
    AWS_ENDPOINT_URL_LAMBDA: aws.endpoints.lambda,
    AWS_ENDPOINT_URL: aws.endpoints.other,
  };
  await Promise.all(
    [...deployed.functions].map(async ([name, config]) => {
      const credentials = iam.credentialsOf(config.logicalId);
      running.set(name, await startFunction(config, { region: DEPLOYMENT.region, credentials, endpoints }));
    }),
  );
  gateway = new TemplateGateway(
    t,
    invoke,
    (arn, principal, source) => iam.mayInvoke(arn, principal, source),
    () => aws.usagePlanKeys(),
  );
}, 120_000);

afterAll(async () => {
  // Queued invocations finish (or fail) before their functions stop.
  await Promise.all((aws?.asyncInvocations ?? []).map((i) => i.done));
  await Promise.all([...running.values()].map((f) => f.stop()));
  await dynamoProxy?.stop();
  if (deployed && dynamodb) await deleteTables(deployed, dynamodb);
  dynamodb?.destroy();
  streams?.destroy();
  await aws?.stop();
  if (deployed) rmSync(deployed.assemblyDir, { recursive: true, force: true });
});

describe('the synthesized bundles', () => {
  it('are one nodejs24.x ESM bundle per function of infra/functions.ts, in pure JavaScript', () => {
    expect([...deployed.functions.keys()].sort()).toEqual([...FN_NAMES].sort());
    for (const [name, f] of deployed.functions) {
      expect(f.runtime, name).toBe(LAMBDA_RUNTIME);
      expect(f.handler, name).toBe('index.handler');
      // The template says arm64; this machine may not be. Pure JavaScript runs the same on both.
      expect(nativeAddons(f.taskRoot), name).toEqual([]);
      expect(
        Object.keys(f.environment).filter((k) => RESERVED_VARIABLES.includes(k)),
        name,
      ).toEqual([]);
    }
  });

  it('each start in their own process, with the template’s environment and nothing of this one', async () => {
    // What a Lambda execution environment has besides the function's configuration, and the
    // test's own additions: where AWS calls go, and no shared AWS config file of this machine.
    const notFromTemplate = new Set([
      ...RESERVED_VARIABLES.filter((k) => k !== '_X_AMZN_TRACE_ID' && k !== 'AWS_ACCESS_KEY'),
      'LANG',
      'TZ',
      'PATH',
      'AWS_ENDPOINT_URL',
      'AWS_ENDPOINT_URL_DYNAMODB',
      'AWS_ENDPOINT_URL_KMS',
      'AWS_ENDPOINT_URL_S3',
      'AWS_ENDPOINT_URL_API_GATEWAY',
      'AWS_ENDPOINT_URL_LAMBDA',
      'AWS_CONFIG_FILE',
      'AWS_SHARED_CREDENTIALS_FILE',
    ]);
    for (const [name, f] of running) {
      // Init succeeded (its duration on this shared machine says little; bench/coldstart.ts measures it).
      await f.initMs();
      const template = deployed.functions.get(name)!.environment;
      for (const [k, v] of Object.entries(template)) expect(f.env[k], `${name} ${k}`).toBe(v);
      expect(
        Object.keys(f.env).filter((k) => !(k in template) && !notFromTemplate.has(k)),
        name,
      ).toEqual([]);
    }
  });
});

describe('one happy path per function, wired as the template wires it', () => {
  /** What the steps hand on: the fee item, the notice, the payment, the scheduled publication, the API key. */
  const flow: {
    fee?: { dept: string; code: string };
    notice?: { noticeNo: string; checkCode: string; total: number };
    payment?: { paymentId: string; businessDate: string; amount: number; receipt: { jws: string } };
    publicationId?: string;
    apiKey?: string;
  } = {};

  it('authorizer: admits a bearer token of the identity provider, with the caller as context', async () => {
    const methodArn = `arn:${DEPLOYMENT.partition}:execute-api:${DEPLOYMENT.region}:${DEPLOYMENT.accountId}:${gateway.apiId}/${gateway.stage}/POST/v1/departments`;
    const result = (await invoke(arnOf('authorizer'), {
      type: 'REQUEST',
      methodArn,
      resource: '/v1/departments',
      path: '/v1/departments',
      httpMethod: 'POST',
      headers: { Authorization: `Bearer ${await token({ role: 'admin', sub: 'admin:1' })}` },
      multiValueHeaders: {},
      pathParameters: null,
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      stageVariables: null,
      requestContext: { stage: gateway.stage, httpMethod: 'POST', resourcePath: '/v1/departments' },
    })) as any;
    expect(result.principalId).toBe('admin:1');
    const allows = (st: { Effect: string; Action: string | string[]; Resource: string | string[] }) =>
      st.Effect === 'Allow' &&
      [st.Action].flat().some((a) => wildcardMatch(a, 'execute-api:Invoke', true)) &&
      [st.Resource].flat().some((r) => wildcardMatch(r, methodArn));
    expect(result.policyDocument.Statement.some(allows), JSON.stringify(result.policyDocument)).toBe(true);
    expect(result.context).toMatchObject({ role: 'admin', sub: 'admin:1' });
  });

  it('platform: GET /v1/health', async () => {
    const res = await call('platform', { method: 'GET', resource: '/v1/health' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('catalog: an administrator registers a department and a fee item', async () => {
    const admin = await token({ role: 'admin' });
    const fee = { dept: 'D77', code: 'FEE-BUNDLE' };
    const dept = await call('catalog', {
      method: 'POST',
      resource: '/v1/departments',
      token: admin,
      body: { id: fee.dept, name: '住建局' },
    });
    expect(dept.status, dept.text).toBe(201);
    const item = await call('catalog', {
      method: 'POST',
      resource: '/v1/fee-items',
      token: admin,
      body: {
        code: fee.code,
        departmentId: fee.dept,
        name: '证照工本费',
        category: 'administrative-fee',
        legalBasis: '《条例》',
        approvedBy: '发改委',
        pricing: { kind: 'fixed', amount: 2500 },
      },
    });
    expect(item.status, item.text).toBe(201);
    flow.fee = fee;
  });

  it('notices: the department issues a payment notice; the payer looks it up without a token', async () => {
    const fee = needs(flow.fee, 'catalog');
    const res = await call('notices', {
      method: 'POST',
      resource: '/v1/notices',
      token: await token({ role: 'department', dept: fee.dept }),
      body: {
        payer: { name: 'Jane Roe', idType: 'passport', idNumber: 'E12345678' },
        lines: [{ feeCode: fee.code, quantity: 2 }],
      },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.total).toBe(5000);
    flow.notice = res.body;
    // An `optional` route: the authorizer must let an anonymous payer through to the function.
    const payer = await call('notices', {
      method: 'GET',
      resource: '/v1/notices/{noticeNo}',
      params: { noticeNo: res.body.noticeNo },
      query: { checkCode: res.body.checkCode },
    });
    expect(payer.status, payer.text).toBe(200);
    expect(payer.body).toMatchObject({ noticeNo: res.body.noticeNo, total: 5000 });
  });

  it('payments: a clerk takes a card payment; the receipt is signed with the template’s KMS key', async () => {
    const notice = needs(flow.notice, 'notices');
    const res = await call('payments', {
      method: 'POST',
      resource: '/v1/payments',
      token: await token({ role: 'clerk', window: 'W07' }),
      headers: { 'Idempotency-Key': randomUUID() },
      body: { noticeNos: [notice.noticeNo], channel: 'card', amount: notice.total, bankRef: 'BR-BUNDLE-1' },
    });
    expect(res.status, res.text).toBe(201);
    const jwks = await call('payments', { method: 'GET', resource: '/v1/.well-known/jwks.json' });
    expect(jwks.status).toBe(200);
    const { payload, protectedHeader } = await jwtVerify(res.body.receipt.jws, createLocalJWKSet(jwks.body));
    expect(payload).toMatchObject({ paymentId: res.body.paymentId });
    expect(protectedHeader.typ).toBe('receipt+jwt');
    expect(aws.calls.filter((c) => c.service === 'kms').map((c) => c.operation)).toEqual(
      expect.arrayContaining(['GetPublicKey', 'Sign']),
    );
    // Signed with the receipt key the template gives the function, never another.
    const receiptKey = deployed.functions.get('payments')!.environment.SIGNING_KMS_KEY_ID;
    const signedWith = aws.calls.filter((c) => c.service === 'kms' && c.operation === 'Sign').map((c) => c.input.KeyId);
    expect(signedWith.length).toBeGreaterThan(0);
    expect(new Set(signedWith)).toEqual(new Set([receiptKey]));
    flow.payment = res.body;
  });

  it('ledger: finance reads the payment’s balanced transaction', async () => {
    const [fee, payment] = [needs(flow.fee, 'catalog'), needs(flow.payment, 'payments')];
    const res = await call('ledger', {
      method: 'GET',
      resource: '/v1/ledger/transactions',
      token: await token({ role: 'finance' }),
      query: { businessDate: payment.businessDate },
    });
    expect(res.status, res.text).toBe(200);
    const tx = res.body.items.find((t: { ref: string }) => t.ref === payment.paymentId);
    expect(tx?.postings).toEqual([
      { account: 'clr:card', debit: 5000, credit: 0 },
      { account: `rev:${fee.dept}:${fee.code}`, debit: 0, credit: 5000 },
    ]);
  });

  it('ledger: publishes the day-proof keys (the template’s day-proof KMS key), which verify no receipt', async () => {
    const payment = needs(flow.payment, 'payments');
    const jwks = await call('ledger', { method: 'GET', resource: '/v1/ledger/jwks.json' });
    expect(jwks.status, jwks.text).toBe(200);
    expect(jwks.body.keys.length).toBeGreaterThan(0);
    const dayProofKey = deployed.functions.get('ledger')!.environment.DAY_PROOF_KMS_KEY_ID;
    expect(dayProofKey).not.toBe(deployed.functions.get('payments')!.environment.SIGNING_KMS_KEY_ID);
    expect(aws.calls).toContainEqual(
      expect.objectContaining({ service: 'kms', operation: 'GetPublicKey', input: { KeyId: dayProofKey } }),
    );
    // Two keys, two purposes: a receipt is not a day proof.
    await expect(jwtVerify(payment.receipt.jws, createLocalJWKSet(jwks.body))).rejects.toThrow();
  });

  /** A bank statement line for the payment (the bank's reference differs per copy). */
  const statement = (bankRef: string, opts?: { bom?: boolean; crlf?: boolean }) => {
    const [notice, payment] = [needs(flow.notice, 'notices'), needs(flow.payment, 'payments')];
    const row = { bankRef, valueDate: payment.businessDate, amount: 5000, channel: 'card' as const };
    return statementCsv([{ ...row, noticeNo: notice.noticeNo, windowId: 'W07' }], opts);
  };

  it('finance: the finance bureau imports the day’s bank statement inline', async () => {
    const payment = needs(flow.payment, 'payments');
    const res = await call('finance', {
      method: 'POST',
      resource: '/v1/bank-statements',
      token: await token({ role: 'finance' }),
      query: { date: payment.businessDate },
      headers: { 'Content-Type': 'text/csv' },
      rawBody: statement('BR-BUNDLE-1'),
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ date: payment.businessDate, lines: 1, total: 5000 });
  });

  it('statementImport: a statement uploaded to the template’s bucket is imported from S3', async () => {
    const payment = needs(flow.payment, 'payments');
    const trigger = triggerOf(deployed.template, 'Custom::S3BucketNotifications');
    expect(trigger.functionArn).toBe(arnOf('statementImport'));
    const bucket = deployed.template.resolveString(trigger.properties.BucketName);
    expect(iam.mayInvoke(trigger.functionArn, 's3.amazonaws.com', `arn:${DEPLOYMENT.partition}:s3:::${bucket}`)).toBe(
      true,
    );
    const key = `statements/${payment.businessDate}/bank upload.csv`;
    const object = aws.putObject(bucket, key, statement('BR-BUNDLE-S3', { bom: true, crlf: true }));
    const before = await count('Finance');
    await invoke(trigger.functionArn, objectCreatedEvent(bucket, key, object));
    expect(aws.calls).toContainEqual({ service: 's3', operation: 'GetObject', input: { Bucket: bucket, Key: key } });
    expect(running.get('statementImport')!.logs()).toContain('statement imported');
    expect(await count('Finance')).toBeGreaterThan(before);
  });

  it('aggregator: the Payments stream batch the mapping delivers is aggregated into open data', async () => {
    needs(flow.payment, 'payments');
    const trigger = triggerOf(deployed.template, 'AWS::Lambda::EventSourceMapping');
    expect(trigger.functionArn).toBe(arnOf('aggregator'));
    // The mapping reads the stream with the function's role.
    const streamArn = deployed.template.resolveString(trigger.properties.EventSourceArn);
    const { accessKeyId } = iam.credentialsOf(deployed.functions.get('aggregator')!.logicalId);
    for (const action of ['DescribeStream', 'GetRecords', 'GetShardIterator', 'ListStreams'])
      expect(iam.allows(accessKeyId, `dynamodb:${action}`, streamArn)).toBeUndefined();
    const batch = await streamBatch(deployed.template, trigger.properties, { dynamodb, streams });
    expect(batch.Records.length).toBeGreaterThan(0);
    const before = await count('OpenData');
    await invoke(trigger.functionArn, batch);
    expect(await count('OpenData')).toBeGreaterThan(before);
  });

  /** Where the publisher writes release files: the bucket the template names, create-only, cacheable for a year. */
  const expectReleaseFiles = (releases: { file: { path: string; sha256: string } }[]) => {
    const bucket = deployed.functions.get('publisher')!.environment.OPEN_DATA_BUCKET!;
    expect(releases.length).toBeGreaterThan(0);
    for (const { file } of releases) {
      expect(aws.calls).toContainEqual({
        service: 's3',
        operation: 'PutObject',
        input: { Bucket: bucket, Key: file.path, IfNoneMatch: '*' },
      });
      const object = aws.getObject(bucket, file.path);
      expect(object?.cacheControl, file.path).toBe('public, max-age=31536000, immutable');
      expect(object?.contentType, file.path).toMatch(/^text\/csv/);
      expect(createHash('sha256').update(object!.body).digest('hex'), file.path).toBe(file.sha256);
    }
  };

  it('publisher: the schedule rule’s event publishes a release, its files written to the template’s bucket', async () => {
    needs(flow.fee, 'catalog');
    const trigger = triggerOf(deployed.template, 'AWS::Events::Rule', arnOf('publisher'));
    expect(trigger.functionArn).toBe(arnOf('publisher'));
    const ruleArn = deployed.template.getAtt(trigger.logicalId, 'Arn');
    expect(iam.mayInvoke(trigger.functionArn, 'events.amazonaws.com', ruleArn)).toBe(true);
    const result = (await invoke(trigger.functionArn, scheduledEvent(deployed.template, trigger.logicalId))) as {
      publicationId: string;
    };
    expect(result).toMatchObject({ publicationId: expect.any(String), published: true });
    const paths = aws.calls
      .filter((c) => c.service === 's3' && c.operation === 'PutObject')
      .map((c) => String(c.input.Key));
    expect(paths.filter((p) => p.endsWith(`/${result.publicationId}.csv`)).length).toBeGreaterThan(0);
    flow.publicationId = result.publicationId;
  });

  it('opendata: a consumer signs up; the key, derived with the template’s HMAC key, joins the usage plan and is admitted', async () => {
    const res = await call('opendata', {
      method: 'POST',
      resource: '/v1/open/keys',
      body: { name: 'Bundle Test', email: 'consumer@example.org', purpose: 'checking the deployed bundles' },
    });
    expect(res.status, res.text).toBe(201);
    // Derived by KMS GenerateMac (HMAC-SHA-256) with the key the template gives the function.
    const macKey = deployed.functions.get('opendata')!.environment.OPEN_DATA_KEY_KMS_KEY_ID;
    expect(macKey).toBeTruthy();
    expect(aws.calls).toContainEqual(
      expect.objectContaining({
        service: 'kms',
        operation: 'GenerateMac',
        input: expect.objectContaining({ KeyId: macKey, MacAlgorithm: 'HMAC_SHA_256' }),
      }),
    );
    // The stand-in refuses any usage plan but the template's, so the key is in that plan.
    expect(aws.usagePlanKeys().has(res.body.apiKey)).toBe(true);
    const list = await call('opendata', {
      method: 'GET',
      resource: '/v1/open/datasets',
      headers: { 'x-api-key': res.body.apiKey },
    });
    expect(list.status, list.text).toBe(200);
    const feeCatalog = list.body.items.find((d: { id: string }) => d.id === 'fee-catalog');
    expect(feeCatalog?.latestRelease).toBeTruthy();
    flow.apiKey = res.body.apiKey;
  });

  it('opendata → publisher: a publication on request is a 202 job that Lambda runs on the publisher, polled until it succeeds', async () => {
    const [fee, scheduled, apiKey] = [
      needs(flow.fee, 'catalog'),
      needs(flow.publicationId, 'publisher'),
      needs(flow.apiKey, 'opendata sign-up'),
    ];
    // Something to publish since the scheduled release: a second fee item, in force today.
    const item = await call('catalog', {
      method: 'POST',
      resource: '/v1/fee-items',
      token: await token({ role: 'admin' }),
      body: {
        code: `${fee.code}-2`,
        departmentId: fee.dept,
        name: '证照补办费',
        category: 'administrative-fee',
        legalBasis: '《条例》',
        approvedBy: '发改委',
        pricing: { kind: 'fixed', amount: 1000 },
      },
    });
    expect(item.status, item.text).toBe(201);

    const finance = await token({ role: 'finance' });
    const queuedBefore = aws.asyncInvocations.length;
    const res = await call('opendata', { method: 'POST', resource: '/v1/open/publish', token: finance });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({ jobId: expect.any(String), status: 'queued' });
    const { jobId } = res.body as { jobId: string };
    expect(res.headers.location).toMatch(new RegExp(`/v1/open/publications/${jobId}$`));
    // One event, queued for the template's publisher (the call IAM authorized on the opendata role).
    const queued = aws.asyncInvocations.slice(queuedBefore);
    expect(queued.map((i) => [i.functionArn, i.payload])).toEqual([[arnOf('publisher'), { jobId }]]);

    // The requester polls the job, as its Location says, until it has finished (or the run has failed).
    let ran: Awaited<(typeof queued)[number]['done']> | undefined;
    void queued[0]!.done.then((outcome) => {
      ran = outcome;
    });
    const deadline = Date.now() + 30_000;
    let job: any;
    for (;;) {
      const poll = await call('opendata', {
        method: 'GET',
        resource: '/v1/open/publications/{jobId}',
        params: { jobId },
        token: finance,
      });
      expect(poll.status, poll.text).toBe(200);
      job = poll.body;
      if (job.status !== 'queued' && job.status !== 'running') break;
      expect(poll.headers['retry-after']).toBeDefined();
      if (ran?.error) expect.fail(`job ${jobId} still ${job.status}: the publisher failed\n${ran.error.message}`);
      if (Date.now() > deadline)
        expect.fail(
          `job ${jobId} still ${job.status}\n--- publisher log (tail) ---\n${running.get('publisher')!.logs().slice(-3000)}`,
        );
      await new Promise((ok) => setTimeout(ok, 100));
    }
    ran = await queued[0]!.done;
    expect(ran.error, ran.error?.message).toBeUndefined();
    expect(job, running.get('publisher')!.logs().slice(-3000)).toMatchObject({
      jobId,
      status: 'succeeded',
      published: true,
      publicationId: expect.any(String),
    });
    expect(job.publicationId).not.toBe(scheduled);
    expect(ran.result).toEqual({ publicationId: job.publicationId, published: true });
    expectReleaseFiles(job.releases);

    // The consumer sees the job's release as the latest.
    const list = await call('opendata', {
      method: 'GET',
      resource: '/v1/open/datasets',
      headers: { 'x-api-key': apiKey },
    });
    expect(list.status, list.text).toBe(200);
    const feeCatalog = list.body.items.find((d: { id: string }) => d.id === 'fee-catalog');
    expect(feeCatalog?.latestRelease).toMatchObject({ id: job.publicationId });
    // Its rows page by cursors sealed with the template's CURSOR_SECRET (a Secrets Manager reference).
    const rows = (query: Record<string, string>) =>
      call('opendata', {
        method: 'GET',
        resource: '/v1/open/datasets/{id}/rows',
        params: { id: 'fee-catalog' },
        query: { limit: '1', ...query },
        headers: { 'x-api-key': apiKey },
      });
    const first = await rows({});
    expect(first.status, first.text).toBe(200);
    expect(first.body.nextCursor, first.text).toEqual(expect.any(String));
    const second = await rows({ cursor: first.body.nextCursor });
    expect(second.status, second.text).toBe(200);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items).not.toEqual(first.body.items);
  });

  it('orders: finance lists payment orders; with the secret’s placeholder keys no order is made, and nothing written', async () => {
    const list = await call('orders', {
      method: 'GET',
      resource: '/v1/payment-orders',
      token: await token({ role: 'finance' }),
    });
    expect(list.status, list.text).toBe(200);
    const fee = needs(flow.fee, 'catalog');
    const notice = await call('notices', {
      method: 'POST',
      resource: '/v1/notices',
      token: await token({ role: 'department', dept: fee.dept }),
      body: { payer: { name: '钱七', idType: 'passport', idNumber: 'E12345678' }, lines: [{ feeCode: fee.code }] },
    });
    expect(notice.status, notice.text).toBe(201);
    const order = await call('orders', {
      method: 'POST',
      resource: '/v1/payment-orders',
      body: { noticeNos: [notice.body.noticeNo], checkCodes: { [notice.body.noticeNo]: notice.body.checkCode } },
    });
    // Until the operator writes the provider's keys into the secret (docs/adr/0015), nothing is payable.
    expect(order.status, order.text).toBe(409);
    expect(order.body.type).toMatch(/provider-unconfirmed$/);
    const env = deployed.functions.get('orders')!.environment;
    expect(env.PAYMENT_PROVIDER_GATEWAY).toBe('https://openapi.alipay.com/gateway.do');
    expect(env.PAYMENT_PROVIDER_APP_ID).toBe('unset');
  });

  it('orderSweep: the schedule rule’s event sweeps the open payment orders', async () => {
    const trigger = triggerOf(deployed.template, 'AWS::Events::Rule', arnOf('orderSweep'));
    const ruleArn = deployed.template.getAtt(trigger.logicalId, 'Arn');
    expect(iam.mayInvoke(trigger.functionArn, 'events.amazonaws.com', ruleArn)).toBe(true);
    const result = await invoke(trigger.functionArn, scheduledEvent(deployed.template, trigger.logicalId));
    expect(result).toEqual({ examined: 0 });
  });

  it('covered every function; IAM denied nothing, and no call went to an AWS service without a stand-in', () => {
    expect([...invoked].sort()).toEqual([...FN_NAMES].sort());
    expect(iam.denials).toEqual([]);
    expect(iam.unevaluatedDenies, 'Deny statements whose conditions test/deployed cannot evaluate').toEqual([]);
    expect(aws.calls.filter((c) => c.service === 'unstubbed')).toEqual([]);
  });

  it('every queued (asynchronous) invocation ran to completion without error', async () => {
    const outcomes = await Promise.all(aws.asyncInvocations.map(async (i) => [i.functionArn, (await i.done).error]));
    expect(outcomes.filter(([, error]) => error)).toEqual([]);
  });
});
