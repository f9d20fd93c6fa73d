import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { WEB_DIST } from '../../infra/web/build';
import type { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_BASE, problemTypes } from '../../functions/shared/domain/errors';
import { ORDER_SWEEP_SCHEDULE, functions, PUBLISH_SCHEDULE } from '../../infra/functions';
import { createTableInput } from '../../infra/local/dynamodb';
import { routes, type Route } from '../../schemas/routes';
import {
  GATEWAY_PROBLEMS,
  type OneWindowStack,
  OPEN_DATA_PLAN,
  PROJECT_ROOT,
  STAGE_NAME,
  STAGE_THROTTLE,
  TOKEN_AUTHORIZER_CACHE_SECONDS,
} from '../../infra/stack';
import { tableEnvVar, tables, TABLE_NAMES, type TableName } from '../../schemas/tables';
import { asArray, EXAMPLE_SETTINGS, FN_NAMES, type Json, missingEntries, synth, type Synthesized } from './template';

// cdk-nag is CommonJS whose re-exports Node's ESM loader cannot see by name.
const { AwsSolutionsChecks } = createRequire(import.meta.url)('cdk-nag') as typeof import('cdk-nag');

/**
 * Template tests: the synthesized CloudFormation (bundling skipped) has the properties the system's
 * safety rests on. Expectations are derived from the same single sources the stack reads
 * (tables.ts, functions.ts, routes.ts) and from the local stack's table definitions, so a change to
 * either side that breaks the correspondence fails here. Least privilege, the one origin and WAF,
 * and alarms and logs have files of their own beside this one.
 */
let t: Synthesized;
let app: App;
let stack: OneWindowStack;
let resources: Record<string, Json>;
let idOf: Synthesized['idOf'];
let ofType: Synthesized['ofType'];

/** Resource path of an AWS::ApiGateway::Resource / the API root, from PathPart and ParentId. */
function resourcePath(ref: Json): string {
  if (ref['Fn::GetAtt']) return '';
  const r = resources[ref.Ref as string]!;
  return `${resourcePath(r.Properties.ParentId)}/${r.Properties.PathPart}`;
}

beforeAll(() => {
  t = synth();
  ({ app, stack, resources, idOf, ofType } = t);
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
      AUTH_ISSUER: EXAMPLE_SETTINGS.auth.issuer,
      AUTH_AUDIENCE: EXAMPLE_SETTINGS.auth.audience,
      AUTH_JWKS_URL: EXAMPLE_SETTINGS.auth.jwksUrl,
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

describe('open-data publication', () => {
  it('serves release files from their own private bucket at /open-data/* of the portal distribution', () => {
    const dist = ofType('AWS::CloudFront::Distribution')[0]![1].Properties.DistributionConfig;
    const behaviour = (dist.CacheBehaviors as Json[]).find((b) => b.PathPattern === '/open-data/*')!;
    expect(behaviour).toMatchObject({
      ViewerProtocolPolicy: 'redirect-to-https',
      AllowedMethods: ['GET', 'HEAD'],
    });
    const origin = (dist.Origins as Json[]).find((o) => o.Id === behaviour.TargetOriginId)!;
    expect(origin.OriginAccessControlId).toBeDefined();
    expect(JSON.stringify(origin.DomainName)).toContain(idOf(stack.openDataBucket));
    const bucket = resources[idOf(stack.openDataBucket)]!.Properties;
    expect(bucket.PublicAccessBlockConfiguration.RestrictPublicBuckets).toBe(true);
  });

  it('lets only the publisher write release files, and only PutObject under open-data/', () => {
    const bucketId = idOf(stack.openDataBucket);
    const touching = (name: (typeof FN_NAMES)[number]) =>
      t.statementsOf(name).filter((st: Json) => JSON.stringify(st.Resource ?? '').includes(bucketId));
    for (const name of FN_NAMES.filter((n) => n !== 'publisher')) expect(touching(name), name).toEqual([]);
    const [put, ...others] = touching('publisher');
    expect(others).toEqual([]);
    expect(put!.Action).toBe('s3:PutObject');
    expect(JSON.stringify(put!.Resource)).toContain('/open-data/*');
    const env = resources[idOf(stack.functions.publisher)]!.Properties.Environment.Variables;
    expect(env.OPEN_DATA_BUCKET).toEqual({ Ref: bucketId });
  });

  it('gives the opendata function the public base URL, and lets it start only the publisher', () => {
    const env = resources[idOf(stack.functions.opendata)]!.Properties.Environment.Variables;
    const distId = ofType('AWS::CloudFront::Distribution')[0]![0];
    expect(env.OPEN_DATA_PUBLIC_BASE_URL).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distId, 'DomainName'] }]],
    });
    expect(env.OPEN_DATA_PUBLISHER_FUNCTION).toEqual({ Ref: idOf(stack.functions.publisher) });
    for (const name of FN_NAMES) {
      const invokes = t.statementsOf(name).filter((st: Json) => JSON.stringify(st.Action).includes('lambda:Invoke'));
      if (name !== 'opendata') {
        expect(invokes, name).toEqual([]);
        continue;
      }
      expect(invokes).toHaveLength(1);
      expect(invokes[0]!.Action).toBe('lambda:InvokeFunction');
      expect(invokes[0]!.Resource).toEqual({ 'Fn::GetAtt': [idOf(stack.functions.publisher), 'Arn'] });
    }
  });

  it('lets only the opendata function derive API keys, with GenerateMac on the HMAC key only', () => {
    const keyId = idOf(stack.openDataKeysKey);
    expect(resources[keyId]!.Properties).toMatchObject({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    expect(resources[keyId]!.DeletionPolicy).toBe('Retain');
    for (const name of FN_NAMES) {
      const uses = t.statementsOf(name).filter((st: Json) => JSON.stringify(st.Resource ?? '').includes(keyId));
      if (name !== 'opendata') {
        expect(uses, name).toEqual([]);
        continue;
      }
      expect(uses).toHaveLength(1);
      expect(uses[0]!.Action).toBe('kms:GenerateMac');
    }
    const env = resources[idOf(stack.functions.opendata)]!.Properties.Environment.Variables;
    expect(env.OPEN_DATA_KEY_KMS_KEY_ID).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
  });
});

describe('API', () => {
  it('has exactly one method per route in infra/routes.ts, with the route’s access', () => {
    const authorizerIds = { token: idOf(stack.authorizers.token), optional: idOf(stack.authorizers.optional) };
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
        expect(m.AuthorizerId, where).toEqual({ Ref: authorizerIds[route.access.kind] });
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

  it('authorizes `optional` routes on every call (no identity source, no cache), `token` routes cached per Authorization header', () => {
    const auth = new Map(ofType('AWS::ApiGateway::Authorizer'));
    expect(auth.size).toBe(2);
    const optional = auth.get(idOf(stack.authorizers.optional))!.Properties;
    expect(optional.Type).toBe('REQUEST');
    expect(optional.AuthorizerResultTtlInSeconds).toBe(0);
    expect(optional.IdentitySource ?? '').toBe('');
    const token = auth.get(idOf(stack.authorizers.token))!.Properties;
    expect(token.Type).toBe('REQUEST');
    expect(token.AuthorizerResultTtlInSeconds).toBe(TOKEN_AUTHORIZER_CACHE_SECONDS);
    expect(TOKEN_AUTHORIZER_CACHE_SECONDS).toBe(300);
    expect(token.IdentitySource).toBe('method.request.header.Authorization');
    for (const p of [optional, token])
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
    // The suite's global setup builds the web apps, so what synth uploads is web/dist/ with both apps.
    expect(existsSync(join(WEB_DIST, 'index.html')) && existsSync(join(WEB_DIST, 'console', 'index.html'))).toBe(true);
    expect(ofType('Custom::CDKBucketDeployment')).toHaveLength(1);
    // Page addresses are routed by the CloudFront Function built from infra/web/spaRewrite.js.
    const [association] = dist.DefaultCacheBehavior.FunctionAssociations;
    expect(association.EventType).toBe('viewer-request');
    const [, fn] = ofType('AWS::CloudFront::Function')[0]!;
    expect(fn.Properties.FunctionCode).toBe(readFileSync(join(PROJECT_ROOT, 'infra', 'web', 'spaRewrite.js'), 'utf8'));
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

describe('sealed list cursors', () => {
  it('gives the functions that talk to the payment provider its keys by reference, and the sweep a schedule', () => {
    const secretId = idOf(stack.paymentProviderKeys);
    const talkers = FN_NAMES.filter((n) => functions[n].paymentProvider);
    expect(talkers.sort()).toEqual(['orderSweep', 'orders', 'payments']);
    for (const name of FN_NAMES) {
      const env = resources[idOf(stack.functions[name])]!.Properties.Environment.Variables;
      if (!functions[name].paymentProvider) {
        expect(env.PAYMENT_PROVIDER_PRIVATE_KEY, name).toBeUndefined();
        continue;
      }
      for (const v of ['PAYMENT_PROVIDER_PRIVATE_KEY', 'PAYMENT_PROVIDER_PUBLIC_KEY', 'PAYMENT_PROVIDER_APP_ID']) {
        expect(JSON.stringify(env[v]), `${name} ${v}`).toContain('{{resolve:secretsmanager:');
        expect(JSON.stringify(env[v]), `${name} ${v}`).toContain(secretId);
      }
      expect(env.PAYMENT_PROVIDER_GATEWAY, name).toBe('https://openapi.alipay.com/gateway.do');
    }
    const rules = Object.values(resources).filter((r: any) => r.Type === 'AWS::Events::Rule') as any[];
    const sweep = rules.find((r) => r.Properties.ScheduleExpression === ORDER_SWEEP_SCHEDULE.expression);
    expect(JSON.stringify(sweep?.Properties.Targets)).toContain(idOf(stack.functions.orderSweep));
  });

  it('gives every function that pages the same generated cursor secret, by reference, and no other function', () => {
    const secretId = idOf(stack.cursorSecret);
    expect(resources[secretId]!.Properties.GenerateSecretString).toMatchObject({ PasswordLength: 64 });
    const pagers = FN_NAMES.filter((n) => functions[n].sealsCursors);
    expect(pagers.sort()).toEqual(['catalog', 'ledger', 'notices', 'opendata', 'orders', 'payments']);
    for (const name of FN_NAMES) {
      const value = resources[idOf(stack.functions[name])]!.Properties.Environment.Variables.CURSOR_SECRET;
      if (!functions[name].sealsCursors) {
        expect(value, name).toBeUndefined();
        continue;
      }
      // A dynamic reference CloudFormation resolves at deploy time: the template never holds the value.
      expect(JSON.stringify(value), name).toContain('{{resolve:secretsmanager:');
      expect(JSON.stringify(value), name).toContain(secretId);
    }
  });
});
