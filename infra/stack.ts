import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ArnFormat,
  type CfnElement,
  type CfnResource,
  Duration,
  RemovalPolicy,
  Stack,
  Token,
  Validations,
  type StackProps,
} from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct, IConstruct } from 'constructs';
import { DomainError, problemOf, type ProblemType } from '../functions/shared/domain/errors';
import { AlarmTopic } from './constructs/alarms';
import { PAYMENT_WRITE_UNITS, PEAK_PAYMENTS_PER_SECOND, warmWritesFor } from './capacity';
import { LAMBDA_BUNDLE, LAMBDA_RUNTIME, sourceMapsAtRuntime } from './constructs/bundling';
import { retainedLogGroup, roleWritingOnlyTo } from './constructs/logging';
import { addAlarms } from './constructs/monitoring';
import { paymentProvider } from './constructs/paymentProvider';
import { RateLimitedWebAcl, WAF_RATE_RULES } from './constructs/waf';
import { WebhookDelivery } from './constructs/webhooks';
import {
  AUDIT_SEAL_SCHEDULE,
  functions,
  PUBLISH_SCHEDULE,
  type FunctionDef,
  type FunctionName,
  type TableGrant,
} from './functions';
import { routes, type Route } from '../schemas/routes';
import { tableEnvVar, tables, TABLE_NAMES, type TableDef, type TableName } from '../schemas/tables';
import { WEB_DIST } from './web/build';

/** The repository root: entries in infra/functions.ts and web/ are relative to it. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface AuthConfig {
  issuer: string;
  audience: string;
  /** The identity provider's JWKS; the authorizer verifies bearer tokens against it. */
  jwksUrl: string;
  /** The staff console's client at that provider (code + PKCE, public); default `console` (docs/adr/0018). */
  consoleClientId?: string;
  /** The scopes the console asks for; they must yield an access token for `audience`. Default `openid profile`. */
  consoleScope?: string;
}

export interface OneWindowStackProps extends StackProps {
  auth: AuthConfig;
  logLevel?: string;
  businessTz?: string;
  /** Subscribed to the alarm topic; required, so a deployed stack's alarms reach someone. */
  alarmEmail: string;
  /**
   * A CLOUDFRONT-scope web ACL (made in us-east-1, e.g. by the OneWindowFeesEdge stack). Unset, the
   * stack makes its own, which AWS accepts only when the stack itself is deployed in us-east-1.
   */
  cloudFrontWebAclArn?: string;
  /** Absolute entry file per function; defaults to PROJECT_ROOT + infra/functions.ts's `entry`. */
  entryOf?: (name: FunctionName, def: FunctionDef) => string;
}

/** What the deployed console reads at start (web/console/src/session.ts): where and how staff sign in. */
export function consoleSignInConfig(auth: AuthConfig): { authority: string; clientId: string; scope: string } {
  return {
    authority: auth.issuer,
    clientId: auth.consoleClientId ?? 'console',
    scope: auth.consoleScope ?? 'openid profile',
  };
}

/** The stage's name. Routes already start with /v1, so the stage does not repeat the version. */
export const STAGE_NAME = 'prod';

/**
 * Result cache of the authorizer on `token` routes, keyed by the Authorization header: a token keeps
 * being accepted for up to this long after it expires or is revoked (docs/adr/0002).
 */
export const TOKEN_AUTHORIZER_CACHE_SECONDS = 300;

/** Where the portal's API calls go on the one origin: CloudFront forwards this path to the stage. */
export const API_PATH_PATTERN = '/v1/*';

/** Per-method default throttle for the whole stage, and the open-data consumers' usage plan. */
export const STAGE_THROTTLE = { rateLimit: 500, burstLimit: 1000 };
/**
 * `POST /v1/payments`, sized from the capacity model (`npm run bench:capacity`, docs/benchmarks.md
 * "Capacity", ADR 0014): the design carries 10,000 payments/s, which is also the account's default
 * API Gateway limit per Region (burst 5,000), so the method may take all of it; other routes keep the
 * stage's 500. At it the Idempotency table takes 40,000 WRU/s, its on-demand default (4 WRU a
 * payment); above it the model's next limit is the hottest partition, ≈ 12,000/s, after that
 * table's quota is raised.
 */
export const PAYMENT_THROTTLE = { rateLimit: PEAK_PAYMENTS_PER_SECOND, burstLimit: 5_000 };
export const OPEN_DATA_PLAN = { rateLimit: 10, burstLimit: 20, quotaPerDay: 10_000 };

/**
 * API Gateway's own error responses (before any function runs), mapped to the API's problem types so
 * a client sees one error format. The body is problemOf() of the same DomainError a function would
 * throw; API Gateway cannot tell us more than the response type.
 */
export const GATEWAY_PROBLEMS: {
  type: apigw.ResponseType;
  problem: ProblemType;
  status: number;
  headers?: Record<string, string>;
}[] = [
  {
    type: apigw.ResponseType.UNAUTHORIZED,
    problem: 'unauthorized',
    status: 401,
    headers: { 'WWW-Authenticate': 'Bearer' },
  },
  { type: apigw.ResponseType.ACCESS_DENIED, problem: 'forbidden', status: 403 },
  // REST APIs answer an unknown path (or method) with MISSING_AUTHENTICATION_TOKEN; it means "no route".
  { type: apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, problem: 'not-found', status: 404 },
  { type: apigw.ResponseType.RESOURCE_NOT_FOUND, problem: 'not-found', status: 404 },
  { type: apigw.ResponseType.INVALID_API_KEY, problem: 'api-key-required', status: 403 },
  { type: apigw.ResponseType.THROTTLED, problem: 'rate-limited', status: 429, headers: { 'Retry-After': '1' } },
  { type: apigw.ResponseType.QUOTA_EXCEEDED, problem: 'rate-limited', status: 429, headers: { 'Retry-After': '3600' } },
  { type: apigw.ResponseType.BAD_REQUEST_BODY, problem: 'validation-failed', status: 400 },
  { type: apigw.ResponseType.BAD_REQUEST_PARAMETERS, problem: 'validation-failed', status: 400 },
  { type: apigw.ResponseType.REQUEST_TOO_LARGE, problem: 'payload-too-large', status: 413 },
  { type: apigw.ResponseType.UNSUPPORTED_MEDIA_TYPE, problem: 'unsupported-media-type', status: 415 },
  // What is left of 4xx after the types above is 403 (EXPIRED_TOKEN, INVALID_SIGNATURE, WAF_FILTERED).
  { type: apigw.ResponseType.DEFAULT_4XX, problem: 'forbidden', status: 403 },
  { type: apigw.ResponseType.INTEGRATION_TIMEOUT, problem: 'upstream-timeout', status: 504 },
  { type: apigw.ResponseType.DEFAULT_5XX, problem: 'internal-error', status: 500 },
];

export function gatewayProblemBody(problem: ProblemType, status: number): string {
  return JSON.stringify({ ...problemOf(new DomainError(problem)), status });
}

/**
 * The stage's access log line: what happened and how long it took, never who (no source IP, no
 * user agent, no principal: payers are anonymous callers, and logs carry no personal data).
 */
export const ACCESS_LOG_FIELDS = {
  requestId: apigw.AccessLogField.contextRequestId(),
  requestTime: apigw.AccessLogField.contextRequestTime(),
  httpMethod: apigw.AccessLogField.contextHttpMethod(),
  resourcePath: apigw.AccessLogField.contextResourcePath(),
  status: apigw.AccessLogField.contextStatus(),
  responseLength: apigw.AccessLogField.contextResponseLength(),
  responseLatency: apigw.AccessLogField.contextResponseLatency(),
  integrationLatency: apigw.AccessLogField.contextIntegrationLatency(),
  integrationStatus: apigw.AccessLogField.contextIntegrationStatus(),
  errorType: apigw.AccessLogField.contextErrorResponseType(),
};

/** See OneWindowStack.fixedFunctionName. */
const FIXED_FUNCTION_NAMES: Partial<Record<FunctionName, true>> = { opendata: true };

/** Acknowledges cdk-nag findings on a construct and its children; every entry states why. */
function acknowledge(scope: IConstruct, rules: { id: string; reason: string }[]): void {
  Validations.of(scope).acknowledge(...rules);
}

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The deployable system. Everything is derived from the single sources: schemas/tables.ts (tables),
 * infra/functions.ts (functions and their grants), schemas/routes.ts (API resources, methods and access).
 */
export class OneWindowStack extends Stack {
  readonly tables = {} as Record<TableName, dynamodb.Table>;
  readonly functions = {} as Record<FunctionName, NodejsFunction>;
  readonly logGroups = {} as Record<FunctionName, logs.LogGroup>;
  readonly api: apigw.RestApi;
  /** `token` routes: cached by the Authorization header. `optional` routes: uncached (ADR 0002). */
  readonly authorizers: { token: apigw.RequestAuthorizer; optional: apigw.RequestAuthorizer };
  readonly openDataPlan: apigw.UsagePlan;
  /** Signs receipts. */
  readonly signingKey: kms.Key;
  /** Seals list cursors in every function that pages (so a cursor one container issued opens in another). */
  readonly cursorSecret: secretsmanager.Secret;
  /** The payment provider's merchant keys (docs/adr/0015). */
  readonly paymentProviderKeys: secretsmanager.Secret;
  /** Signs ledger day proofs; a key of its own, so a day proof can never pass for a receipt. */
  readonly dayProofKey: kms.Key;
  readonly statementsBucket: s3.Bucket;
  readonly siteBucket: s3.Bucket;
  /** Published open-data release files (`open-data/<dataset>/<release>.csv`), served at /open-data/*. */
  readonly openDataBucket: s3.Bucket;
  /** The HMAC key open-data API keys are derived with (shown again to their owners, never stored). */
  readonly openDataKeysKey: kms.Key;
  readonly aggregatorDlq: sqs.Queue;
  /** The webhook delivery queue, its dead-letter queues and the secret-sealing key (ADR 0016). */
  readonly webhookDelivery: WebhookDelivery;
  readonly distribution: cloudfront.Distribution;
  readonly apiWebAcl: RateLimitedWebAcl;
  /** The CloudFront web ACL this stack made, when it made one (see OneWindowStackProps.cloudFrontWebAclArn). */
  readonly portalWebAcl?: RateLimitedWebAcl;
  readonly alarmTopic: AlarmTopic;
  readonly accessLogGroup: logs.LogGroup;
  /** Whether web/dist/ held the built web apps to upload at synth time. */
  readonly siteDeployed: boolean;

  constructor(scope: Construct, id: string, props: OneWindowStackProps) {
    super(scope, id, props);
    if (!props.alarmEmail) throw new Error('OneWindowStack needs alarmEmail: alarms must reach someone');

    // ---- Tables -------------------------------------------------------------------------------
    for (const name of TABLE_NAMES) this.tables[name] = this.table(tables[name]);

    // ---- Signing keys: one per kind of signed document (ES256 = ECDSA P-256 / SHA-256) ------------
    this.signingKey = new kms.Key(this, 'SigningKey', {
      description: 'Signs receipts (ES256); the private key never leaves KMS',
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      // Receipts already issued must stay verifiable: never delete the key with the stack. KMS cannot
      // rotate asymmetric keys; a new key means publishing a second kid in the JWKS.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.dayProofKey = new kms.Key(this, 'DayProofKey', {
      description: 'Signs ledger day proofs (ES256); the private key never leaves KMS',
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      // Closed days' proofs must stay verifiable, as receipts must.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ---- Buckets ------------------------------------------------------------------------------
    const accessLogs = new s3.Bucket(this, 'AccessLogsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      lifecycleRules: [{ expiration: Duration.days(400) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // The CDK's handler that sets the bucket notification at deploy time runs with this role: its own
    // log group and the notification of this bucket, not the managed AWSLambdaBasicExecutionRole.
    const notificationsLogs = retainedLogGroup(this, 'BucketNotificationsHandlerLogs');
    const notificationsRole = roleWritingOnlyTo(
      this,
      'BucketNotificationsHandlerRole',
      notificationsLogs,
      'CDK bucket-notifications handler (deploy time only)',
    );
    this.statementsBucket = this.privateBucket('StatementsBucket', accessLogs, 'statements/', {
      // Immutable to the CDK, so it cannot attach AWSLambdaBasicExecutionRole; the grants are added here.
      notificationsHandlerRole: notificationsRole.withoutPolicyUpdates(),
    });
    notificationsRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'SetTheStatementsBucketNotification',
        actions: ['s3:PutBucketNotification'],
        resources: [this.statementsBucket.bucketArn],
      }),
    );
    this.siteBucket = this.privateBucket('SiteBucket', accessLogs, 'site/');
    this.openDataBucket = this.privateBucket('OpenDataBucket', accessLogs, 'open-data/');
    this.openDataKeysKey = new kms.Key(this, 'OpenDataKeysKey', {
      description: 'Derives open-data API keys from their ids (HMAC-SHA-256); the key never leaves KMS',
      keySpec: kms.KeySpec.HMAC_256,
      keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
      // Without it, issued keys still work (their hashes are stored) but can no longer be shown again.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ---- Functions ----------------------------------------------------------------------------
    const commonEnv = {
      LOG_LEVEL: props.logLevel ?? 'info',
      BUSINESS_TZ: props.businessTz ?? 'Asia/Shanghai',
    };
    for (const name of Object.keys(functions) as FunctionName[]) {
      const def = functions[name];
      const entry = props.entryOf?.(name, def) ?? join(PROJECT_ROOT, def.entry);
      this.functions[name] = this.lambda(
        name,
        def,
        entry,
        commonEnv,
        name in FIXED_FUNCTION_NAMES ? this.fixedFunctionName(name) : undefined,
      );
    }
    const fn = this.functions;
    this.cursorSecret = this.sealedCursors();

    fn.authorizer.addEnvironment('AUTH_ISSUER', props.auth.issuer);
    fn.authorizer.addEnvironment('AUTH_AUDIENCE', props.auth.audience);
    fn.authorizer.addEnvironment('AUTH_JWKS_URL', props.auth.jwksUrl);

    // ---- Payments stream → aggregator (open data). Stream read only: no grant on the table. ----
    this.aggregatorDlq = new sqs.Queue(this, 'AggregatorDlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(this.aggregatorDlq, [
      {
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself the on-failure destination (DLQ) of the Payments stream mapping.',
      },
    ]);
    fn.aggregator.addEventSource(
      new DynamoEventSource(this.tables.Payments, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        // Capacity model (docs/benchmarks.md "Capacity", ADR 0014): at 10,000 payments/s a shard's
        // batches fill to 1,000 records, applied as runs of 100 pre-aggregated into one delta per counter.
        // Runs are exactly-once by their markers only if every delivery starts where an earlier one
        // started or stopped: so no bisection; a failed run reports its first record and Lambda resumes there.
        batchSize: 1000,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        bisectBatchOnError: false,
        retryAttempts: 10,
        maxRecordAge: Duration.days(1),
        // Keeps the failed range's shard and sequence numbers; the counts themselves are recomputed
        // from the Payments table by `npm run aggregates:rebuild`, so none is lost for good.
        onFailure: new SqsDlq(this.aggregatorDlq),
      }),
    );

    acknowledge(fn.aggregator.role!, [
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'DynamoEventSource grants dynamodb:ListStreams on "*" (stream discovery: returns stream ARNs, no data); reading records is granted on the Payments stream ARN only.',
      },
    ]);

    // ---- Payments stream and Webhooks outbox → webhook source → SQS → dispatcher (ADR 0016) ----
    this.webhookDelivery = new WebhookDelivery(this, 'WebhookDelivery', {
      functions: { webhooks: fn.webhooks, webhookSource: fn.webhookSource, webhookDispatcher: fn.webhookDispatcher },
      payments: this.tables.Payments,
      webhooks: this.tables.Webhooks,
    });

    // ---- Publisher on the schedule infra/functions.ts declares ---------------------------------
    new events.Rule(this, 'PublishSchedule', {
      description: `Publishes open-data releases ${PUBLISH_SCHEDULE.description}`,
      schedule: events.Schedule.expression(PUBLISH_SCHEDULE.expression),
      targets: [new targets.LambdaFunction(fn.publisher, { retryAttempts: 2, maxEventAge: Duration.hours(6) })],
    });

    // ---- Audit day close on its schedule (ADR 0017) ---------------------------------------------
    new events.Rule(this, 'AuditSealSchedule', {
      description: `Seals ended audit days with their signed Merkle roots ${AUDIT_SEAL_SCHEDULE.description}`,
      schedule: events.Schedule.expression(AUDIT_SEAL_SCHEDULE.expression),
      targets: [new targets.LambdaFunction(fn.auditSeal, { retryAttempts: 2, maxEventAge: Duration.hours(6) })],
    });

    // ---- Large bank statements: S3 upload → statementImport ------------------------------------
    this.statementsBucket.grantRead(fn.statementImport);
    acknowledge(fn.statementImport.role!, [
      ...['s3:GetObject*', 's3:GetBucket*', 's3:List*'].map((a) => ({
        id: `AwsSolutions-IAM5[Action::${a}]`,
        reason: `statementImport reads uploaded statements: ${a} is Bucket.grantRead's read-only action group, on the statements bucket only.`,
      })),
      {
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.statementsBucket.node.defaultChild as CfnElement)}.Arn>/*]`,
        reason:
          'statementImport reads any uploaded statement object, of the statements bucket only; object keys are not known in advance.',
      },
    ]);
    fn.statementImport.addEnvironment('STATEMENTS_BUCKET', this.statementsBucket.bucketName);
    this.statementsBucket.addEventNotification(
      s3.EventType.OBJECT_CREATED,
      new s3n.LambdaDestination(fn.statementImport),
    );
    this.logHandlerTo('BucketNotificationsHandler050a0587b7544547bf325f094a3db834', notificationsLogs);

    // ---- REST API -----------------------------------------------------------------------------
    this.accessLogGroup = retainedLogGroup(this, 'ApiAccessLogs');
    this.api = this.restApi(this.accessLogGroup);
    this.apiWebAcl = new RateLimitedWebAcl(this, 'ApiWebAcl', {
      scope: 'REGIONAL',
      name: `${this.stackName}-api`,
      rules: WAF_RATE_RULES.api,
    });
    new wafv2.CfnWebACLAssociation(this, 'ApiWebAclAssociation', {
      resourceArn: this.api.deploymentStage.stageArn,
      webAclArn: this.apiWebAcl.arn,
    });

    for (const g of GATEWAY_PROBLEMS) {
      this.api.addGatewayResponse(`Problem${g.type.responseType}`, {
        type: g.type,
        statusCode: String(g.status),
        responseHeaders: Object.fromEntries(
          Object.entries({ 'Content-Type': 'application/problem+json', ...(g.headers ?? {}) }).map(([k, v]) => [
            k,
            `'${v}'`,
          ]),
        ),
        templates: { 'application/json': gatewayProblemBody(g.problem, g.status) },
      });
    }

    this.authorizers = {
      // `token` routes need a token, so API Gateway may answer a missing Authorization header itself
      // (401) and cache the authorizer's answer per header value; the authorizer's policy allows the
      // whole stage, and each function's router checks the role per route (docs/adr/0002).
      token: new apigw.RequestAuthorizer(this, 'TokenAuthorizer', {
        handler: fn.authorizer,
        identitySources: [apigw.IdentitySource.header('Authorization')],
        resultsCacheTtl: Duration.seconds(TOKEN_AUTHORIZER_CACHE_SECONDS),
      }),
      // No identity source and no cache: the authorizer runs on every request, including anonymous
      // callers of `optional` routes (see functions/authorizer/entry/http.ts and docs/adr/0002).
      optional: new apigw.RequestAuthorizer(this, 'Authorizer', {
        handler: fn.authorizer,
        identitySources: [],
        resultsCacheTtl: Duration.seconds(0),
      }),
    };
    this.addRoutes();

    // ---- Open data: usage plan; the opendata function issues keys into it (self-service). ----
    this.openDataPlan = this.api.addUsagePlan('OpenDataPlan', {
      name: 'open-data',
      description: 'Self-service open-data API keys (POST /v1/open/keys)',
      throttle: { rateLimit: OPEN_DATA_PLAN.rateLimit, burstLimit: OPEN_DATA_PLAN.burstLimit },
      quota: { limit: OPEN_DATA_PLAN.quotaPerDay, period: apigw.Period.DAY },
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });
    fn.opendata.addEnvironment('OPEN_DATA_USAGE_PLAN_ID', this.openDataPlan.usagePlanId);
    fn.opendata.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'IssueOpenDataApiKeys',
        // CreateApiKey is POST /apikeys; CreateUsagePlanKey is POST /usageplans/{id}/keys (this plan only).
        actions: ['apigateway:POST'],
        resources: [
          this.formatArn({ service: 'apigateway', account: '', resource: '/apikeys' }),
          this.formatArn({
            service: 'apigateway',
            account: '',
            resource: `/usageplans/${this.openDataPlan.usagePlanId}/keys`,
          }),
        ],
      }),
    );

    // ---- One origin: the portal from S3, /v1/* from the API stage, behind CloudFront -----------
    let cloudFrontWebAclArn = props.cloudFrontWebAclArn;
    if (!cloudFrontWebAclArn) {
      if (!Token.isUnresolved(this.region) && this.region !== 'us-east-1')
        throw new Error(
          `CloudFront web ACLs can only be created in us-east-1, and this stack is in ${this.region}: deploy the OneWindowFeesEdge stack (us-east-1) and pass its WebAclArn output as -c cloudFrontWebAclArn=<arn>`,
        );
      this.portalWebAcl = new RateLimitedWebAcl(this, 'PortalWebAcl', {
        scope: 'CLOUDFRONT',
        name: `${this.stackName}-portal`,
        rules: WAF_RATE_RULES.cloudFront,
      });
      cloudFrontWebAclArn = this.portalWebAcl.arn;
    }
    this.distribution = this.portal(cloudFrontWebAclArn);
    this.openDataPublication(this.distribution);
    this.paymentProviderKeys = paymentProvider(this, this.functions, {
      notifyBaseUrl: `https://${this.distribution.distributionDomainName}`,
    });
    this.acknowledgeCdkHandlers();
    // The built web apps (infra/web/build.ts; infra/app.ts builds them before synth).
    this.siteDeployed = existsSync(WEB_DIST) && readdirSync(WEB_DIST).length > 0;
    if (this.siteDeployed) this.deployPortal(WEB_DIST, props.auth);

    // ---- Alarms -------------------------------------------------------------------------------
    this.alarmTopic = new AlarmTopic(this, 'Alarms', { email: props.alarmEmail });
    addAlarms(this, this.alarmTopic);
    this.webhookDelivery.addAlarms(this, this.alarmTopic, fn.webhookSource);
  }

  private restApi(accessLogGroup: logs.LogGroup): apigw.RestApi {
    const api = new apigw.RestApi(this, 'Api', {
      restApiName: 'one-window-fees',
      description: 'One-window fee collection and open-data gateway',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.DESTROY,
      // API keys come from the x-api-key header (usage plans for /v1/open/*).
      apiKeySourceType: apigw.ApiKeySourceType.HEADER,
      // CSV statements are text; nothing binary is accepted.
      deployOptions: {
        stageName: STAGE_NAME,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogGroup),
        accessLogFormat: apigw.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
        // Execution logs at ERROR only, and never request/response data (bodies carry payer data).
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        throttlingRateLimit: STAGE_THROTTLE.rateLimit,
        throttlingBurstLimit: STAGE_THROTTLE.burstLimit,
        methodOptions: {
          '/v1/payments/POST': {
            throttlingRateLimit: PAYMENT_THROTTLE.rateLimit,
            throttlingBurstLimit: PAYMENT_THROTTLE.burstLimit,
          },
        },
      },
    });
    // API Gateway writes execution logs to a group it names after the API and stage, and would create
    // it without retention; the stack creates it first, with retention.
    const executionLogs = retainedLogGroup(this, 'ApiExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${api.restApiId}/${STAGE_NAME}`,
    });
    api.deploymentStage.node.addDependency(executionLogs);
    acknowledge(api, [
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'Requests are validated in each function with the zod schemas of schemas/, which also generate the OpenAPI document and name every bad field in a 400 problem+json; a second, gateway-side model would drift.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          'Callers authenticate with JWTs of the administration’s identity provider, verified by the REQUEST Lambda authorizers (issuer, audience, JWKS); there is no Cognito user pool.',
      },
    ]);
    return api;
  }

  /** One method per route of schemas/routes.ts, with the route's access. */
  private addRoutes(): void {
    const integrations = new Map<FunctionName, apigw.LambdaIntegration>();
    const integrationOf = (name: FunctionName) => {
      let i = integrations.get(name);
      if (!i)
        integrations.set(
          name,
          (i = new apigw.LambdaIntegration(this.integrationTarget(name), { allowTestInvoke: false })),
        );
      return i;
    };
    for (const route of routes as readonly Route[]) {
      const resource = this.api.root.resourceForPath(route.path);
      const method = resource.addMethod(route.method, integrationOf(route.fn), this.methodAccess(route));
      // A function reached by name: its invoke permissions (under the method) need it to exist first.
      if (route.fn in FIXED_FUNCTION_NAMES)
        for (const c of method.node.findAll())
          if (c instanceof lambda.CfnPermission) c.node.addDependency(this.functions[route.fn]);
      if (route.access.kind === 'public' || route.access.kind === 'apiKey')
        acknowledge(method, [
          {
            id: 'AwsSolutions-APIG4',
            reason:
              route.access.kind === 'public'
                ? `${route.method} ${route.path} is public in schemas/routes.ts (API.md: anyone); it needs no caller identity.`
                : `${route.method} ${route.path} is an open-data route authorized by API key and usage plan, not by a caller identity.`,
          },
          {
            id: 'AwsSolutions-COG4',
            reason: `${route.method} ${route.path} has no user authorizer by design (access '${route.access.kind}' in schemas/routes.ts).`,
          },
        ]);
    }
  }

  /**
   * The portal's one origin: static files from the private site bucket (origin access control), and
   * API_PATH_PATTERN from the API stage. The stage is the origin path, so `/v1/x` reaches
   * `/prod/v1/x`; nothing of the API is cached, every method passes, and every viewer header and
   * query string but Host goes to API Gateway (which routes by its own Host).
   */
  private portal(webAclId: string): cloudfront.Distribution {
    const apiOrigin = new origins.HttpOrigin(`${this.api.restApiId}.execute-api.${this.region}.${this.urlSuffix}`, {
      originPath: `/${STAGE_NAME}`,
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
    });
    const site = new cloudfront.Distribution(this, 'Portal', {
      comment: 'One-window portal and console (web/dist/) and their API (/v1/*)',
      defaultRootObject: 'index.html',
      webAclId,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.siteBucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        // Page addresses (/r/{receiptNo}, /console/...) answer with their app's index.html; the same
        // file routes pages in the local gateway. Not an error response: that would also rewrite the
        // API's own 403/404 problem documents.
        functionAssociations: [
          {
            eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,
            function: new cloudfront.Function(this, 'PageRoutes', {
              code: cloudfront.FunctionCode.fromFile({ filePath: join(PROJECT_ROOT, 'infra', 'web', 'spaRewrite.js') }),
              runtime: cloudfront.FunctionRuntime.JS_2_0,
              comment: 'Page addresses of the web apps → their index.html',
            }),
          },
        ],
      },
      additionalBehaviors: {
        [API_PATH_PATTERN]: {
          origin: apiOrigin,
          // No redirect: a redirected POST would arrive as a GET.
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        },
      },
    });
    acknowledge(site, [
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'CloudFront access logs record every visitor’s IP address; the project keeps personal data out of logs (API calls are logged by the API stage, without IPs).',
      },
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'The portal publishes fee schedules and open data to anyone; restricting by country would defeat its purpose.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'No custom domain yet: the default *.cloudfront.net certificate fixes the TLS floor at TLSv1 and ignores minimumProtocolVersion; set TLS_V1_2_2021 together with the domain certificate.',
      },
    ]);
    return site;
  }

  /** Uploads the built web apps to the site bucket at deploy time, by the CDK's handler with a role and log group of ours. */
  private deployPortal(webDir: string, auth: AuthConfig): void {
    const logGroup = retainedLogGroup(this, 'PortalContentHandlerLogs');
    const role = roleWritingOnlyTo(this, 'PortalContentHandlerRole', logGroup, 'CDK BucketDeployment handler');
    new s3deploy.BucketDeployment(this, 'PortalContent', {
      sources: [
        s3deploy.Source.asset(webDir),
        // The console signs in at the configured identity provider, never the local one (whose
        // `authority: null` in the built config.json this file replaces).
        s3deploy.Source.jsonData('console/config.json', consoleSignInConfig(auth)),
      ],
      destinationBucket: this.siteBucket,
      distribution: this.distribution,
      role,
      logGroup,
    });
    const why = 'CDK BucketDeployment handler (runs at deploy time only, never on a request)';
    const handler = this.node.tryFindChild('Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C');
    if (handler)
      acknowledge(handler, [
        { id: 'AwsSolutions-L1', reason: `${why}: aws-cdk-lib chooses its runtime, not this project.` },
      ]);
    acknowledge(role, [
      ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((a) => ({
        id: `AwsSolutions-IAM5[Action::${a}]`,
        reason: `${why}: ${a} is needed to copy the web/ asset into the site bucket and prune old files.`,
      })),
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
        reason: `${why}: reads the web/ asset zip from the CDK bootstrap asset bucket.`,
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.siteBucket.node.defaultChild as CfnElement)}.Arn>/*]`,
        reason: `${why}: writes the portal files into the site bucket.`,
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: `${why}: cloudfront:CreateInvalidation/GetInvalidation after an upload; CloudFront invalidations take no narrower resource in the CDK handler.`,
      },
    ]);
  }

  /** Points a CDK-made inline Lambda (a deploy-time handler) at a log group of ours, which has retention. */
  private logHandlerTo(handlerId: string, logGroup: logs.LogGroup): void {
    const handler = this.node.tryFindChild(handlerId);
    const fnResource = handler?.node.tryFindChild('Resource') as CfnResource | undefined;
    if (!fnResource) throw new Error(`no CDK handler ${handlerId} to give a log group`);
    fnResource.addPropertyOverride('LoggingConfig', { LogGroup: logGroup.logGroupName });
    fnResource.node.addDependency(logGroup);
  }

  /**
   * Open data's publication (docs/adr/0011): the publisher writes each release's CSV into the
   * open-data bucket, which the portal's distribution serves at /open-data/* (the objects say
   * `public, max-age=31536000, immutable`); the opendata function links there and to /v1/* under the
   * distribution's URL, starts the publisher asynchronously, and derives API keys with the HMAC key.
   */
  private openDataPublication(site: cloudfront.Distribution): void {
    const fn = this.functions;
    site.addBehavior('/open-data/*', origins.S3BucketOrigin.withOriginAccessControl(this.openDataBucket), {
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
    });
    fn.publisher.addEnvironment('OPEN_DATA_BUCKET', this.openDataBucket.bucketName);
    fn.publisher.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'WriteReleaseFiles',
        actions: ['s3:PutObject'],
        resources: [this.openDataBucket.arnForObjects('open-data/*')],
      }),
    );
    acknowledge(fn.publisher.role!, [
      {
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.openDataBucket.node.defaultChild as CfnElement)}.Arn>/open-data/*]`,
        reason:
          'The publisher writes a new file per release, open-data/<dataset>/<release>.csv, whose name is known only at publication; PutObject only, create-only (If-None-Match), under open-data/ of this bucket.',
      },
    ]);
    fn.opendata.addEnvironment('OPEN_DATA_PUBLIC_BASE_URL', `https://${site.distributionDomainName}`);
    fn.opendata.addEnvironment('OPEN_DATA_PUBLISHER_FUNCTION', fn.publisher.functionName);
    fn.opendata.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'StartPublicationJobs',
        actions: ['lambda:InvokeFunction'],
        resources: [fn.publisher.functionArn],
      }),
    );
    fn.opendata.addEnvironment('OPEN_DATA_KEY_KMS_KEY_ID', this.openDataKeysKey.keyArn);
    this.openDataKeysKey.grant(fn.opendata, 'kms:GenerateMac');
  }

  /**
   * One generated secret for every function that pages (infra/functions.ts `sealsCursors`): a cursor
   * sealed by one Lambda container must open in any other. CloudFormation resolves the dynamic
   * reference at deploy time, so the template holds a reference, never the value; the value sits in
   * those functions' configuration, readable only by whoever may read their configuration.
   */
  private sealedCursors(): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'CursorSecret', {
      description: 'HMAC key that seals list cursors (functions/shared/domain/cursor.ts)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(secret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Rotation needs a redeploy to reach the functions (the value is resolved into their configuration at deploy time); rotating it only invalidates the list cursors in flight, so it is rotated by a deploy after changing the secret, not by a rotation Lambda.',
      },
    ]);
    for (const name of Object.keys(functions) as FunctionName[])
      if (functions[name].sealsCursors)
        this.functions[name].addEnvironment('CURSOR_SECRET', secret.secretValue.unsafeUnwrap());
    return secret;
  }

  private table(def: TableDef): dynamodb.Table {
    const attr = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });
    const peak = PAYMENT_WRITE_UNITS[def.name];
    const t = new dynamodb.Table(this, `${def.name}Table`, {
      partitionKey: attr(def.pk),
      sortKey: attr(def.sk),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      ...(def.stream ? { stream: dynamodb.StreamViewType.NEW_IMAGE } : {}),
      ...(def.ttlAttribute ? { timeToLiveAttribute: def.ttlAttribute } : {}),
      // Sized for the peak payments (infra/capacity.ts): a new on-demand table takes 4,000 WRU/s at once.
      ...(peak ? { warmThroughput: { writeUnitsPerSecond: warmWritesFor(peak.table) } } : {}),
    });
    for (const i of def.indexes) {
      const indexPeak = peak?.indexes?.[i.name];
      t.addGlobalSecondaryIndex({
        indexName: i.name,
        partitionKey: attr(i.pk),
        sortKey: attr(i.sk),
        projectionType: dynamodb.ProjectionType[i.projection ?? 'ALL'],
        ...(indexPeak ? { warmThroughput: { writeUnitsPerSecond: warmWritesFor(indexPeak) } } : {}),
      });
    }
    return t;
  }

  private privateBucket(
    id: string,
    accessLogs: s3.Bucket,
    logPrefix: string,
    extra: Partial<s3.BucketProps> = {},
  ): s3.Bucket {
    return new s3.Bucket(this, id, {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: logPrefix,
      removalPolicy: RemovalPolicy.RETAIN,
      ...extra,
    });
  }

  /**
   * Functions the API reaches by name instead of by reference. The opendata function needs the usage
   * plan's id (env + IAM), and the plan needs the stage, the stage its deployment, the deployment the
   * methods; if the methods referenced the function too, CloudFormation would see a cycle.
   */
  private fixedFunctionName(name: FunctionName): string {
    return `${this.stackName}-${name}`;
  }

  private integrationTarget(name: FunctionName): lambda.IFunction {
    if (!(name in FIXED_FUNCTION_NAMES)) return this.functions[name];
    const byName = lambda.Function.fromFunctionAttributes(this, `${pascal(name)}ByName`, {
      functionArn: this.formatArn({
        service: 'lambda',
        resource: 'function',
        resourceName: this.fixedFunctionName(name),
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
      sameEnvironment: true,
    });
    return byName;
  }

  private lambda(
    name: FunctionName,
    def: FunctionDef,
    entry: string,
    commonEnv: Record<string, string>,
    functionName?: string,
  ): NodejsFunction {
    const id = `${pascal(name)}Function`;
    const logGroup = retainedLogGroup(this, `${pascal(name)}Logs`);
    this.logGroups[name] = logGroup;
    const role = roleWritingOnlyTo(this, `${pascal(name)}Role`, logGroup, `${name} function (infra/functions.ts)`);
    const f = new NodejsFunction(this, id, {
      entry,
      ...(functionName ? { functionName } : {}),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: def.memoryMb ?? 512,
      timeout: Duration.seconds(def.timeoutSeconds ?? 10),
      ...(def.reservedConcurrency ? { reservedConcurrentExecutions: def.reservedConcurrency } : {}),
      role,
      logGroup,
      environment: {
        ...commonEnv,
        ...Object.fromEntries(
          (Object.keys(def.tables) as TableName[]).map((t) => [tableEnvVar(t), this.tables[t].tableName]),
        ),
        ...(sourceMapsAtRuntime ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
      },
      bundling: {
        format: OutputFormat.ESM,
        target: LAMBDA_BUNDLE.target,
        minify: LAMBDA_BUNDLE.minify,
        sourceMap: LAMBDA_BUNDLE.sourcemap,
        banner: LAMBDA_BUNDLE.banner,
        mainFields: [...LAMBDA_BUNDLE.mainFields],
        externalModules: [...LAMBDA_BUNDLE.external],
      },
    });
    if (f.runtime.name !== LAMBDA_RUNTIME) throw new Error(`runtime ${f.runtime.name} is not ${LAMBDA_RUNTIME}`);
    // Least privilege: exactly the actions infra/functions.ts lists per table (docs/adr/0011).
    for (const [t, grant] of Object.entries(def.tables) as [TableName, TableGrant][])
      for (const statement of tableStatements(this.tables[t], grant)) role.addToPolicy(statement);
    const signingKeys = {
      receipt: { key: this.signingKey, env: 'SIGNING_KMS_KEY_ID' },
      dayProof: { key: this.dayProofKey, env: 'DAY_PROOF_KMS_KEY_ID' },
    };
    for (const [kind, use] of Object.entries(def.keys ?? {}) as [keyof typeof signingKeys, 'sign' | 'verify'][]) {
      const { key, env } = signingKeys[kind];
      if (use === 'sign') key.grant(f, 'kms:Sign', 'kms:GetPublicKey');
      else key.grant(f, 'kms:GetPublicKey');
      f.addEnvironment(env, key.keyArn);
    }
    return f;
  }

  private methodAccess(route: Route): apigw.MethodOptions {
    switch (route.access.kind) {
      case 'public':
        return { authorizationType: apigw.AuthorizationType.NONE };
      case 'apiKey':
        return { authorizationType: apigw.AuthorizationType.NONE, apiKeyRequired: true };
      case 'token':
        return { authorizationType: apigw.AuthorizationType.CUSTOM, authorizer: this.authorizers.token };
      case 'optional':
        return { authorizationType: apigw.AuthorizationType.CUSTOM, authorizer: this.authorizers.optional };
    }
  }

  /** Findings on roles the CDK itself adds, each with the reason it is acceptable. */
  private acknowledgeCdkHandlers(): void {
    const cwRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cwRole)
      acknowledge(cwRole, [
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
          reason:
            'API Gateway’s account-wide logging role (AWS::ApiGateway::Account, one per account and region, shared by every REST API there): the managed policy grants log actions on all log groups because API Gateway creates and names execution log groups itself; scoping it to this API would break the others.',
        },
      ]);
  }
}

/**
 * The IAM statements of one table grant: the item actions on the table, and Query on each index the
 * function reads (the named indexes only, never `index/*`).
 */
export function tableStatements(table: dynamodb.ITable, grant: TableGrant): iam.PolicyStatement[] {
  const out: iam.PolicyStatement[] = [];
  if (grant.actions.length > 0)
    out.push(
      new iam.PolicyStatement({ actions: grant.actions.map((a) => `dynamodb:${a}`), resources: [table.tableArn] }),
    );
  if (grant.indexes?.length)
    out.push(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: grant.indexes.map((i) => `${table.tableArn}/index/${i}`),
      }),
    );
  return out;
}
