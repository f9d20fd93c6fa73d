import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_BASE, problemTypes } from '../../functions/shared/domain/errors';
import { functions, PUBLISH_SCHEDULE, type FunctionName } from '../../infra/functions';
import { createTableInput } from '../../infra/local/dynamodb';
import { routes, type Route } from '../../schemas/routes';
import {
  GATEWAY_PROBLEMS,
  OneWindowStack,
  OPEN_DATA_PLAN,
  PROJECT_ROOT,
  STAGE_NAME,
  STAGE_THROTTLE,
} from '../../infra/stack';
import { tableEnvVar, tables, TABLE_NAMES, type TableName } from '../../schemas/tables';

// cdk-nag is CommonJS whose re-exports Node's ESM loader cannot see by name.
const { AwsSolutionsChecks } = createRequire(import.meta.url)('cdk-nag') as typeof import('cdk-nag');

/**
 * Template tests: the synthesized CloudFormation (bundling skipped) has the properties the system's
 * safety rests on. Expectations are derived from the same single sources the stack reads
 * (tables.ts, functions.ts, routes.ts) and from the local stack's table definitions, so a change to
 * either side that breaks the correspondence fails here.
 */
type Json = Record<string, any>;
const FN_NAMES = Object.keys(functions) as FunctionName[];
const OPEN_DATA_FUNCTIONS: FunctionName[] = ['opendata', 'aggregator', 'publisher'];
const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
const STREAM_ACTIONS = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
];

/** Entries other contexts have not written yet are replaced by a stand-in, and one test says so. */
const missingEntries = FN_NAMES.filter((n) => !existsSync(join(PROJECT_ROOT, functions[n].entry)));
const STAND_IN = join(PROJECT_ROOT, functions.platform.entry);

let app: App;
let stack: OneWindowStack;
let resources: Record<string, Json>;

const idOf = (c: IConstruct) => stack.getLogicalId((c.node.defaultChild ?? c) as CfnElement);
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** Every IAM statement attached (inline or default policy) to a function's role. */
function statementsOf(name: FunctionName): Json[] {
  const roleId = idOf(stack.functions[name].role!);
  return ofType('AWS::IAM::Policy')
    .filter(([, p]) => asArray(p.Properties.Roles).some((r: Json) => r.Ref === roleId))
    .flatMap(([, p]) => asArray<Json>(p.Properties.PolicyDocument.Statement));
}

/** What a resource in a policy points at: a table (or its indexes), a table's stream, or something else. */
function classify(resource: unknown): { table: TableName; kind: 'table' | 'stream' } | undefined {
  const text = JSON.stringify(resource);
  for (const t of TABLE_NAMES) {
    const id = idOf(stack.tables[t]);
    if (!text.includes(`"${id}"`)) continue;
    if (text.includes('"StreamArn"') || text.includes('/stream/')) return { table: t, kind: 'stream' };
    return { table: t, kind: 'table' };
  }
  return undefined;
}

/** Table → actions the function's role may perform on it (the table or its indexes). */
function tableAccess(name: FunctionName, kind: 'table' | 'stream'): Map<TableName, Set<string>> {
  const out = new Map<TableName, Set<string>>();
  for (const st of statementsOf(name)) {
    expect(st.Effect).toBe('Allow');
    for (const r of asArray(st.Resource)) {
      const c = classify(r);
      if (!c || c.kind !== kind) continue;
      const set = out.get(c.table) ?? new Set<string>();
      for (const a of asArray<string>(st.Action)) set.add(a);
      out.set(c.table, set);
    }
  }
  return out;
}

/** Resource path of an AWS::ApiGateway::Resource / the API root, from PathPart and ParentId. */
function resourcePath(ref: Json): string {
  if (ref['Fn::GetAtt']) return '';
  const r = resources[ref.Ref as string]!;
  return `${resourcePath(r.Properties.ParentId)}/${r.Properties.PathPart}`;
}

beforeAll(() => {
  app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  stack = new OneWindowStack(app, 'OneWindowFeesTest', {
    auth: { issuer: 'https://idp.example', audience: 'one-window-api', jwksUrl: 'https://idp.example/jwks.json' },
    entryOf: (name, def) => (missingEntries.includes(name) ? STAND_IN : join(PROJECT_ROOT, def.entry)),
  });
  resources = Template.fromStack(stack).toJSON().Resources;
});

describe('functions', () => {
  it('every function entry in infra/functions.ts exists', () => {
    expect(missingEntries).toEqual([]);
  });

  it('declares one arm64 nodejs24.x function per entry in infra/functions.ts, with its env', () => {
    expect(
      ofType('AWS::Lambda::Function').filter(
        ([id]) => !id.startsWith('Custom') && !id.startsWith('BucketNotifications'),
      ),
    ).toHaveLength(FN_NAMES.length);
    for (const name of FN_NAMES) {
      const p = resources[idOf(stack.functions[name])]!.Properties;
      expect(p.Runtime, name).toBe('nodejs24.x');
      expect(p.Architectures, name).toEqual(['arm64']);
      expect(p.Handler, name).toBe('index.handler');
      const env = p.Environment.Variables as Json;
      expect(env.LOG_LEVEL, name).toBeDefined();
      expect(env.BUSINESS_TZ, name).toBeDefined();
      const tableVars = Object.keys(env)
        .filter((k) => k.startsWith('TABLE_'))
        .sort();
      expect(tableVars, name).toEqual((Object.keys(functions[name].tables) as TableName[]).map(tableEnvVar).sort());
      for (const t of Object.keys(functions[name].tables) as TableName[])
        expect(env[tableEnvVar(t)], `${name} ${t}`).toEqual({ Ref: idOf(stack.tables[t]) });
      expect('SIGNING_KMS_KEY_ID' in env, name).toBe(Boolean(functions[name].keys?.receipt));
      expect('DAY_PROOF_KMS_KEY_ID' in env, name).toBe(Boolean(functions[name].keys?.dayProof));
    }
  });

  it('gives the authorizer the identity provider settings', () => {
    const env = resources[idOf(stack.functions.authorizer)]!.Properties.Environment.Variables;
    expect(env).toMatchObject({
      AUTH_ISSUER: 'https://idp.example',
      AUTH_AUDIENCE: 'one-window-api',
      AUTH_JWKS_URL: 'https://idp.example/jwks.json',
    });
  });

  it('alarms on every function’s errors and throttles, and on API 5xx', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    for (const name of FN_NAMES)
      for (const metric of ['Errors', 'Throttles'])
        expect(
          alarms.some(
            (a) =>
              a.MetricName === metric &&
              a.Namespace === 'AWS/Lambda' &&
              JSON.stringify(a.Dimensions).includes(`"${idOf(stack.functions[name])}"`),
          ),
          `${name} ${metric}`,
        ).toBe(true);
    expect(alarms.some((a) => a.MetricName === '5XXError' && a.Namespace === 'AWS/ApiGateway')).toBe(true);
  });
});

describe('tables', () => {
  it('declares exactly the tables of infra/tables.ts', () => {
    expect(ofType('AWS::DynamoDB::Table')).toHaveLength(TABLE_NAMES.length);
  });

  it.each(TABLE_NAMES)('%s is on demand, point-in-time recoverable, deletion protected and retained', (name) => {
    const r = resources[idOf(stack.tables[name])]!;
    expect(r.DeletionPolicy).toBe('Retain');
    expect(r.UpdateReplacePolicy).toBe('Retain');
    expect(r.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(r.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(r.Properties.DeletionProtectionEnabled).toBe(true);
  });

  it.each(TABLE_NAMES)('%s has the keys, indexes, stream and TTL the local stack creates', (name) => {
    const p = resources[idOf(stack.tables[name])]!.Properties;
    const local = createTableInput(tables[name], name);
    const byName = (a: { AttributeName?: string }, b: { AttributeName?: string }) =>
      a.AttributeName!.localeCompare(b.AttributeName!);
    expect([...p.AttributeDefinitions].sort(byName)).toEqual([...local.AttributeDefinitions!].sort(byName));
    expect(p.KeySchema).toEqual(local.KeySchema);
    const gsis = (list: Json[] | undefined) =>
      (list ?? [])
        .map((g) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection }))
        .sort((a, b) => a.IndexName.localeCompare(b.IndexName));
    expect(gsis(p.GlobalSecondaryIndexes)).toEqual(gsis(local.GlobalSecondaryIndexes as Json[] | undefined));
    expect(p.StreamSpecification?.StreamViewType).toBe(local.StreamSpecification?.StreamViewType);
    expect(p.TimeToLiveSpecification).toEqual(
      tables[name].ttlAttribute ? { AttributeName: tables[name].ttlAttribute, Enabled: true } : undefined,
    );
  });
});

describe('least privilege', () => {
  it.each(FN_NAMES)('%s may touch exactly the tables infra/functions.ts grants it, read or read-write', (name) => {
    const access = tableAccess(name, 'table');
    const granted = functions[name].tables;
    expect([...access.keys()].sort()).toEqual(Object.keys(granted).sort());
    for (const [t, actions] of access) {
      expect(actions.has('dynamodb:GetItem') && actions.has('dynamodb:Query'), `${name} reads ${t}`).toBe(true);
      for (const w of WRITE_ACTIONS) expect(actions.has(w), `${name} ${w} on ${t}`).toBe(granted[t] === 'readwrite');
      for (const a of actions) expect(a.startsWith('dynamodb:'), `${name} ${a} on ${t}`).toBe(true);
    }
  });

  it('only the aggregator reads a stream, and only the Payments stream', () => {
    for (const name of FN_NAMES) {
      const streams = tableAccess(name, 'stream');
      if (name !== 'aggregator') {
        expect([...streams.keys()], name).toEqual([]);
        continue;
      }
      expect([...streams.keys()]).toEqual(['Payments']);
      for (const a of streams.get('Payments')!) expect(STREAM_ACTIONS).toContain(a);
    }
  });

  it('grants "*" resources to no function except the aggregator’s stream discovery', () => {
    for (const name of FN_NAMES)
      for (const st of statementsOf(name))
        if (asArray(st.Resource).includes('*'))
          expect({ name, actions: asArray(st.Action) }).toEqual({
            name: 'aggregator',
            actions: ['dynamodb:ListStreams'],
          });
  });

  it.each(OPEN_DATA_FUNCTIONS)('%s has no access at all to the Notices or Payments tables', (name) => {
    for (const st of statementsOf(name))
      for (const r of asArray(st.Resource)) {
        const c = classify(r);
        if (c?.table === 'Notices') throw new Error(`${name} reaches Notices: ${JSON.stringify(st)}`);
        if (c?.table === 'Payments')
          expect({
            name,
            kind: c.kind,
            actions: asArray<string>(st.Action).filter((a) => !STREAM_ACTIONS.includes(a)),
          }).toEqual({ name: 'aggregator', kind: 'stream', actions: [] });
      }
    const env = resources[idOf(stack.functions[name])]!.Properties.Environment.Variables;
    expect(env).not.toHaveProperty(tableEnvVar('Notices'));
    expect(env).not.toHaveProperty(tableEnvVar('Payments'));
  });

  it('has one signing key per kind of signed document, each used only as its functions declare', () => {
    const keys = { receipt: stack.signingKey, dayProof: stack.dayProofKey };
    expect(idOf(keys.receipt)).not.toBe(idOf(keys.dayProof));
    for (const key of Object.values(keys))
      expect(resources[idOf(key)]!.Properties).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const env = { receipt: 'SIGNING_KMS_KEY_ID', dayProof: 'DAY_PROOF_KMS_KEY_ID' };
    for (const name of FN_NAMES) {
      const kms = statementsOf(name).filter((st) => asArray<string>(st.Action).some((a) => a.startsWith('kms:')));
      const used = Object.entries(functions[name].keys ?? {}) as [keyof typeof keys, 'sign' | 'verify'][];
      expect(kms, name).toHaveLength(used.length);
      const variables = resources[idOf(stack.functions[name])]!.Properties.Environment.Variables as Json;
      for (const [kind, use] of used) {
        const arn = { 'Fn::GetAtt': [idOf(keys[kind]), 'Arn'] };
        const st = kms.find((x) => JSON.stringify(x.Resource) === JSON.stringify(arn));
        expect(st, `${name} ${kind}`).toBeDefined();
        expect([...asArray<string>(st!.Action)].sort(), `${name} ${kind}`).toEqual(
          use === 'sign' ? ['kms:GetPublicKey', 'kms:Sign'] : ['kms:GetPublicKey'],
        );
        expect(variables[env[kind]], `${name} ${kind}`).toEqual(arn);
      }
    }
    // Receipts are signed by payments alone, day proofs by finance alone.
    const signers = (kind: keyof typeof keys) => FN_NAMES.filter((n) => functions[n].keys?.[kind] === 'sign');
    expect(signers('receipt')).toEqual(['payments']);
    expect(signers('dayProof')).toEqual(['finance']);
  });

  it('lets the opendata function issue API keys into the open-data usage plan only', () => {
    const planId = idOf(stack.openDataPlan);
    const apigw = statementsOf('opendata').filter((st) =>
      asArray<string>(st.Action).some((a) => a.startsWith('apigateway:')),
    );
    expect(apigw).toHaveLength(1);
    expect(apigw[0]!.Action).toBe('apigateway:POST');
    const targets = asArray(apigw[0]!.Resource).map((r) => JSON.stringify(r));
    expect(targets).toHaveLength(2);
    expect(targets.some((t) => t.endsWith('::/apikeys"]]}'))).toBe(true);
    expect(targets.some((t) => t.includes(`{"Ref":"${planId}"},"/keys"`))).toBe(true);
    for (const name of FN_NAMES.filter((n) => n !== 'opendata'))
      expect(
        statementsOf(name).some((st) => JSON.stringify(st.Action).includes('apigateway:')),
        name,
      ).toBe(false);
    const env = resources[idOf(stack.functions.opendata)]!.Properties.Environment.Variables;
    expect(env.OPEN_DATA_USAGE_PLAN_ID).toEqual({ Ref: planId });
  });
});

describe('API', () => {
  it('has exactly one method per route in infra/routes.ts, with the route’s access', () => {
    const authorizerId = idOf(stack.authorizer);
    const methods = new Map(
      ofType('AWS::ApiGateway::Method').map(([, m]) => [
        `${m.Properties.HttpMethod} ${resourcePath(m.Properties.ResourceId)}`,
        m.Properties as Json,
      ]),
    );
    expect([...methods.keys()].sort()).toEqual((routes as readonly Route[]).map((r) => `${r.method} ${r.path}`).sort());
    for (const route of routes as readonly Route[]) {
      const m = methods.get(`${route.method} ${route.path}`)!;
      const where = `${route.method} ${route.path}`;
      if (route.access.kind === 'token' || route.access.kind === 'optional') {
        expect(m.AuthorizationType, where).toBe('CUSTOM');
        expect(m.AuthorizerId, where).toEqual({ Ref: authorizerId });
      } else {
        expect(m.AuthorizationType, where).toBe('NONE');
        expect(m.AuthorizerId, where).toBeUndefined();
      }
      expect(Boolean(m.ApiKeyRequired), where).toBe(route.access.kind === 'apiKey');
      expect(m.Integration.Type, where).toBe('AWS_PROXY');
      const uri = JSON.stringify(m.Integration.Uri);
      expect(
        uri.includes(`"${idOf(stack.functions[route.fn])}"`) ||
          uri.includes(`:function:${stack.stackName}-${route.fn}/`),
        `${where} → ${route.fn}`,
      ).toBe(true);
    }
  });

  it('lets API Gateway invoke each function only after the function exists', () => {
    for (const [id, p] of ofType('AWS::Lambda::Permission')) {
      if (p.Properties.Principal !== 'apigateway.amazonaws.com') continue;
      const target = JSON.stringify(p.Properties.FunctionName);
      const fn = FN_NAMES.find(
        (n) =>
          target.includes(`"${idOf(stack.functions[n])}"`) || target.includes(`:function:${stack.stackName}-${n}"`),
      );
      expect(fn, id).toBeDefined();
      const fnId = idOf(stack.functions[fn!]);
      expect(target.includes(`"${fnId}"`) || asArray(p.DependsOn).includes(fnId), `${id} → ${fn}`).toBe(true);
    }
  });

  it('runs a REQUEST authorizer on every call: no identity source, no cache', () => {
    const auth = ofType('AWS::ApiGateway::Authorizer');
    expect(auth).toHaveLength(1);
    const p = auth[0]![1].Properties;
    expect(p.Type).toBe('REQUEST');
    expect(p.AuthorizerResultTtlInSeconds).toBe(0);
    expect(p.IdentitySource ?? '').toBe('');
    expect(JSON.stringify(p.AuthorizerUri)).toContain(`"${idOf(stack.functions.authorizer)}"`);
  });

  it('answers API Gateway’s own errors with problem+json in the shape of problemOf', () => {
    const responses = new Map(
      ofType('AWS::ApiGateway::GatewayResponse').map(([, r]) => [
        r.Properties.ResponseType as string,
        r.Properties as Json,
      ]),
    );
    for (const type of [
      'UNAUTHORIZED',
      'ACCESS_DENIED',
      'MISSING_AUTHENTICATION_TOKEN',
      'INVALID_API_KEY',
      'THROTTLED',
      'BAD_REQUEST_BODY',
      'DEFAULT_4XX',
      'DEFAULT_5XX',
    ])
      expect(responses.has(type), type).toBe(true);
    expect(responses.size).toBe(GATEWAY_PROBLEMS.length);
    for (const [type, r] of responses) {
      expect(r.ResponseParameters['gatewayresponse.header.Content-Type'], type).toBe("'application/problem+json'");
      const body = JSON.parse(r.ResponseTemplates['application/json']);
      expect(Object.keys(body).sort(), type).toEqual(['detail', 'status', 'title', 'type']);
      const slug = (body.type as string).slice(PROBLEM_BASE.length) as keyof typeof problemTypes;
      expect(body.type.startsWith(PROBLEM_BASE) && slug in problemTypes, type).toBe(true);
      expect(String(body.status), type).toBe(r.StatusCode);
      expect(body.title, type).toBe(problemTypes[slug].title);
    }
    expect(responses.get('UNAUTHORIZED')!.StatusCode).toBe('401');
    expect(responses.get('ACCESS_DENIED')!.StatusCode).toBe('403');
    expect(responses.get('THROTTLED')!.StatusCode).toBe('429');
  });

  it('logs access to a log group, throttles every method, and never logs request data', () => {
    const stages = ofType('AWS::ApiGateway::Stage');
    expect(stages).toHaveLength(1);
    const p = stages[0]![1].Properties;
    expect(p.StageName).toBe(STAGE_NAME);
    expect(p.AccessLogSetting.DestinationArn['Fn::GetAtt'][1]).toBe('Arn');
    expect(resources[p.AccessLogSetting.DestinationArn['Fn::GetAtt'][0]]!.Type).toBe('AWS::Logs::LogGroup');
    // No personal data in the access log: no caller IP, user agent or principal.
    const format = JSON.parse(p.AccessLogSetting.Format) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
      resourcePath: '$context.resourcePath',
    });
    expect(
      Object.values(format).filter((v) => /identity\.(sourceIp|userAgent|user|caller)|authorizer/.test(v)),
    ).toEqual([]);
    expect(p.MethodSettings).toContainEqual(
      expect.objectContaining({
        HttpMethod: '*',
        ResourcePath: '/*',
        DataTraceEnabled: false,
        ThrottlingRateLimit: STAGE_THROTTLE.rateLimit,
        ThrottlingBurstLimit: STAGE_THROTTLE.burstLimit,
      }),
    );
  });

  it('puts the stage behind the open-data usage plan with throttle and quota', () => {
    const plans = ofType('AWS::ApiGateway::UsagePlan');
    expect(plans).toHaveLength(1);
    const p = plans[0]![1].Properties;
    expect(p.Throttle).toEqual({ RateLimit: OPEN_DATA_PLAN.rateLimit, BurstLimit: OPEN_DATA_PLAN.burstLimit });
    expect(p.Quota).toEqual({ Limit: OPEN_DATA_PLAN.quotaPerDay, Period: 'DAY' });
    expect(p.ApiStages).toHaveLength(1);
  });
});

describe('background work and storage', () => {
  it('feeds the Payments stream to the aggregator in retried, bisected batches with a DLQ', () => {
    const maps = ofType('AWS::Lambda::EventSourceMapping');
    expect(maps).toHaveLength(1);
    const p = maps[0]![1].Properties;
    expect(p.FunctionName).toEqual({ Ref: idOf(stack.functions.aggregator) });
    expect(p.EventSourceArn).toEqual({ 'Fn::GetAtt': [idOf(stack.tables.Payments), 'StreamArn'] });
    expect(p.BisectBatchOnFunctionError).toBe(true);
    expect(p.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(p.DestinationConfig.OnFailure.Destination).toEqual({ 'Fn::GetAtt': [idOf(stack.aggregatorDlq), 'Arn'] });
  });

  it('runs the publisher on the schedule infra/functions.ts declares', () => {
    const rules = ofType('AWS::Events::Rule').map(([, r]) => r.Properties);
    const rule = rules.find((r) => r.ScheduleExpression === PUBLISH_SCHEDULE.expression);
    expect(rule).toBeDefined();
    expect(rule!.Targets[0].Arn).toEqual({ 'Fn::GetAtt': [idOf(stack.functions.publisher), 'Arn'] });
  });

  it('keeps bank statements in an encrypted, private, versioned, logged bucket that triggers statementImport', () => {
    const b = resources[idOf(stack.statementsBucket)]!.Properties;
    expect(b.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe(
      'AES256',
    );
    expect(b.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(b.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(b.LoggingConfiguration.DestinationBucketName).toBeDefined();
    const policy = ofType('AWS::S3::BucketPolicy').find(
      ([, p]) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: idOf(stack.statementsBucket) }),
    );
    expect(JSON.stringify(policy![1].Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    const notification = ofType('Custom::S3BucketNotifications')[0]![1].Properties;
    expect(notification.NotificationConfiguration.LambdaFunctionConfigurations).toEqual([
      expect.objectContaining({
        Events: ['s3:ObjectCreated:*'],
        LambdaFunctionArn: { 'Fn::GetAtt': [idOf(stack.functions.statementImport), 'Arn'] },
      }),
    ]);
  });

  it('serves the portal from a private bucket through CloudFront with origin access control', () => {
    const dist = ofType('AWS::CloudFront::Distribution')[0]![1].Properties.DistributionConfig;
    expect(dist.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(dist.Origins[0].OriginAccessControlId).toBeDefined();
    const site = resources[idOf(stack.siteBucket)]!.Properties;
    expect(site.PublicAccessBlockConfiguration.RestrictPublicBuckets).toBe(true);
    const webHasFiles = existsSync(join(PROJECT_ROOT, 'web')) && readdirSync(join(PROJECT_ROOT, 'web')).length > 0;
    expect(ofType('Custom::CDKBucketDeployment').length > 0).toBe(webHasFiles);
  });
});

describe('cdk-nag AwsSolutions', () => {
  /** A pack that ignores acknowledgments, to see every finding the stack would have. */
  class UnacknowledgedChecks extends AwsSolutionsChecks {
    constructor() {
      super(undefined, { verbose: false });
      (this as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
    }
  }
  const acknowledgments = () =>
    app.node.findAll().flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === 'aws:cdk:acknowledged-rules')
        .flatMap((m) =>
          Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
            path: c.node.path,
            construct: c,
            id: id.replace(/^annotation::/i, ''),
            reason,
          })),
        )
        // The CDK acknowledges some of its own template-validation warnings; only ours are cdk-nag's.
        .filter((a) => a.id.startsWith('AwsSolutions-')),
    );

  it('reports no unacknowledged error or warning', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(app);
    expect(
      report.violations.map(
        (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      ),
    ).toEqual([]);
  });

  it('acknowledges findings only on specific constructs, each with a specific reason', () => {
    const acks = acknowledgments();
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) {
      expect(a.id, a.path).toMatch(/^AwsSolutions-[A-Z]+[0-9]+(\[.+\])?$/);
      expect(a.construct === app || a.construct === stack, `${a.id} on ${a.path} is app- or stack-wide`).toBe(false);
      expect(a.reason.length, `${a.id} on ${a.path}: "${a.reason}"`).toBeGreaterThanOrEqual(50);
      expect(a.reason, a.path).not.toMatch(/^(todo|n\/a|ok|fine|not needed|suppress)/i);
    }
  });

  it('has no stale acknowledgment: each one covers a finding the stack really has', () => {
    const findings = new UnacknowledgedChecks().validateScope(app).violations;
    const stale = acknowledgments().filter(
      (a) =>
        !findings.some(
          (f) =>
            f.ruleName === a.id &&
            f.violatingResources.some((r) => r.constructPath === a.path || r.constructPath?.startsWith(`${a.path}/`)),
        ),
    );
    expect(stale.map((a) => `${a.id} on ${a.path}`)).toEqual([]);
  });
});
