import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArnFormat, type CfnElement, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import { DomainError, problemOf, type ProblemType } from '../functions/shared/domain/errors';
import { LAMBDA_BUNDLE, LAMBDA_RUNTIME, sourceMapsAtRuntime } from './constructs/bundling';
import { functions, PUBLISH_SCHEDULE, type FunctionDef, type FunctionName } from './functions';
import { routes, type Route } from '../schemas/routes';
import { tableEnvVar, tables, TABLE_NAMES, type TableDef, type TableName } from '../schemas/tables';

/** The repository root: entries in infra/functions.ts and web/ are relative to it. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface AuthConfig {
  issuer: string;
  audience: string;
  /** The identity provider's JWKS; the authorizer verifies bearer tokens against it. */
  jwksUrl: string;
}

export interface OneWindowStackProps extends StackProps {
  auth: AuthConfig;
  logLevel?: string;
  businessTz?: string;
  /** Where alarm notifications go; none subscribed when unset. */
  alarmEmail?: string;
  /** Absolute entry file per function; defaults to PROJECT_ROOT + infra/functions.ts's `entry`. */
  entryOf?: (name: FunctionName, def: FunctionDef) => string;
}

/** The stage's name. Routes already start with /v1, so the stage does not repeat the version. */
export const STAGE_NAME = 'prod';

/** Per-method default throttle for the whole stage, and the open-data consumers' usage plan. */
export const STAGE_THROTTLE = { rateLimit: 500, burstLimit: 1000 };
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

/** Construct ids per logical name, so tests and operators find resources by the names in the source. */
/** Acknowledges cdk-nag findings on a construct and its children; every entry states why. */
function acknowledge(scope: IConstruct, rules: { id: string; reason: string }[]): void {
  Validations.of(scope).acknowledge(...rules);
}

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The deployable system. Everything is derived from the single sources in infra/: tables.ts (tables),
 * functions.ts (functions and their grants), routes.ts (API resources, methods and access).
 */
export class OneWindowStack extends Stack {
  readonly tables = {} as Record<TableName, dynamodb.Table>;
  readonly functions = {} as Record<FunctionName, NodejsFunction>;
  readonly api: apigw.RestApi;
  readonly authorizer: apigw.RequestAuthorizer;
  readonly openDataPlan: apigw.UsagePlan;
  /** Signs receipts. */
  readonly signingKey: kms.Key;
  /** Signs ledger day proofs; a key of its own, so a day proof can never pass for a receipt. */
  readonly dayProofKey: kms.Key;
  readonly statementsBucket: s3.Bucket;
  readonly siteBucket: s3.Bucket;
  readonly aggregatorDlq: sqs.Queue;
  /** Whether web/ had a portal to upload at synth time. */
  readonly siteDeployed: boolean;

  constructor(scope: Construct, id: string, props: OneWindowStackProps) {
    super(scope, id, props);

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

    this.statementsBucket = this.privateBucket('StatementsBucket', accessLogs, 'statements/');
    this.siteBucket = this.privateBucket('SiteBucket', accessLogs, 'site/');

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
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(5),
        retryAttempts: 5,
        bisectBatchOnError: true,
        maxRecordAge: Duration.days(1),
        onFailure: new SqsDlq(this.aggregatorDlq),
      }),
    );

    acknowledge(fn.aggregator, [
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'DynamoEventSource grants dynamodb:ListStreams on "*" (stream discovery: returns stream ARNs, no data); reading records is granted on the Payments stream ARN only.',
      },
    ]);

    // ---- Publisher on the schedule infra/functions.ts declares ---------------------------------
    new events.Rule(this, 'PublishSchedule', {
      description: `Publishes open-data releases ${PUBLISH_SCHEDULE.description}`,
      schedule: events.Schedule.expression(PUBLISH_SCHEDULE.expression),
      targets: [new targets.LambdaFunction(fn.publisher, { retryAttempts: 2, maxEventAge: Duration.hours(6) })],
    });

    // ---- Large bank statements: S3 upload → statementImport ------------------------------------
    this.statementsBucket.grantRead(fn.statementImport);
    acknowledge(fn.statementImport, [
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

    // ---- REST API -----------------------------------------------------------------------------
    const accessLogGroup = new logs.LogGroup(this, 'ApiAccessLogs', { retention: logs.RetentionDays.ONE_YEAR });
    this.api = new apigw.RestApi(this, 'Api', {
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
      },
    });
    acknowledge(this.api, [
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'Requests are validated in each function with the zod schemas of schemas/, which also generate the OpenAPI document and name every bad field in a 400 problem+json; a second, gateway-side model would drift.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          'Callers authenticate with JWTs of the administration’s identity provider, verified by the REQUEST Lambda authorizer (issuer, audience, JWKS); there is no Cognito user pool.',
      },
    ]);
    acknowledge(this.api.deploymentStage, [
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'No WAF web ACL yet: stage and usage-plan throttling bound abuse; add a regional WAF ACL (rate-based rule) when the API gets a public custom domain.',
      },
    ]);

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

    this.authorizer = new apigw.RequestAuthorizer(this, 'Authorizer', {
      handler: fn.authorizer,
      // No identity source and no cache: the authorizer runs on every request, including anonymous
      // callers of `optional` routes (see functions/authorizer/handler.ts and docs/adr/0002).
      identitySources: [],
      resultsCacheTtl: Duration.seconds(0),
    });

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
          if (c instanceof lambda.CfnPermission) c.node.addDependency(fn[route.fn]);
      if (route.access.kind === 'public' || route.access.kind === 'apiKey')
        acknowledge(method, [
          {
            id: 'AwsSolutions-APIG4',
            reason:
              route.access.kind === 'public'
                ? `${route.method} ${route.path} is public in infra/routes.ts (API.md: anyone); it needs no caller identity.`
                : `${route.method} ${route.path} is an open-data route authorized by API key and usage plan, not by a caller identity.`,
          },
          {
            id: 'AwsSolutions-COG4',
            reason: `${route.method} ${route.path} has no user authorizer by design (access '${route.access.kind}' in infra/routes.ts).`,
          },
        ]);
    }

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

    // ---- Portal: S3 + CloudFront (origin access control) ---------------------------------------
    const site = new cloudfront.Distribution(this, 'Portal', {
      comment: 'One-window portal (web/)',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.siteBucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
      },
    });
    acknowledge(site, [
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'CloudFront access logs record every visitor’s IP address; the project keeps personal data out of logs, and the portal is static public pages (API calls are logged by the API stage, without IPs).',
      },
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'The portal publishes fee schedules and open data to anyone; restricting by country would defeat its purpose.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'Static, public, read-only pages from a private bucket via OAC; no forms or origins a WAF would protect. Revisit with a custom domain.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'No custom domain yet: the default *.cloudfront.net certificate fixes the TLS floor at TLSv1 and ignores minimumProtocolVersion; set TLS_V1_2_2021 together with the domain certificate.',
      },
    ]);
    this.acknowledgeCdkHandlers();
    const webDir = join(PROJECT_ROOT, 'web');
    this.siteDeployed = existsSync(webDir) && readdirSync(webDir).length > 0;
    if (this.siteDeployed) {
      new s3deploy.BucketDeployment(this, 'PortalContent', {
        sources: [s3deploy.Source.asset(webDir)],
        destinationBucket: this.siteBucket,
        distribution: site,
      });
      const handler = this.node.tryFindChild('Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C');
      const why = 'CDK BucketDeployment handler (runs at deploy time only, never on a request)';
      if (handler)
        acknowledge(handler, [
          {
            id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
            reason: `${why}: writes its own logs.`,
          },
          { id: 'AwsSolutions-L1', reason: `${why}: aws-cdk-lib chooses its runtime, not this project.` },
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

    // ---- Alarms -------------------------------------------------------------------------------
    const alarmTopic = new sns.Topic(this, 'Alarms', {
      displayName: 'one-window alarms',
      enforceSSL: true,
      masterKey: kms.Alias.fromAliasName(this, 'SnsManagedKey', 'alias/aws/sns'),
    });
    if (props.alarmEmail) alarmTopic.addSubscription(new subs.EmailSubscription(props.alarmEmail));
    const notify = new cwActions.SnsAction(alarmTopic);
    const alarm = (id: string, metric: cloudwatch.IMetric, description: string) =>
      new cloudwatch.Alarm(this, id, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      }).addAlarmAction(notify);
    for (const name of Object.keys(functions) as FunctionName[]) {
      const f = fn[name];
      alarm(
        `${pascal(name)}Errors`,
        f.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        `${name}: invocation errors`,
      );
      alarm(
        `${pascal(name)}Throttles`,
        f.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
        `${name}: throttled invocations`,
      );
    }
    alarm(
      'Api5xx',
      this.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      'API: 5xx responses (no input may cause one)',
    );
    alarm(
      'AggregatorDlqMessages',
      this.aggregatorDlq.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      'Payments stream batches the aggregator gave up on',
    );
  }

  private table(def: TableDef): dynamodb.Table {
    const attr = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });
    const t = new dynamodb.Table(this, `${def.name}Table`, {
      partitionKey: attr(def.pk),
      sortKey: attr(def.sk),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      ...(def.stream ? { stream: dynamodb.StreamViewType.NEW_IMAGE } : {}),
      ...(def.ttlAttribute ? { timeToLiveAttribute: def.ttlAttribute } : {}),
    });
    for (const i of def.indexes)
      t.addGlobalSecondaryIndex({
        indexName: i.name,
        partitionKey: attr(i.pk),
        sortKey: attr(i.sk),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    return t;
  }

  private privateBucket(id: string, accessLogs: s3.Bucket, logPrefix: string): s3.Bucket {
    return new s3.Bucket(this, id, {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: logPrefix,
      removalPolicy: RemovalPolicy.RETAIN,
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
    const logGroup = new logs.LogGroup(this, `${pascal(name)}Logs`, { retention: logs.RetentionDays.ONE_YEAR });
    const f = new NodejsFunction(this, id, {
      entry,
      ...(functionName ? { functionName } : {}),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: def.memoryMb ?? 512,
      timeout: Duration.seconds(def.timeoutSeconds ?? 10),
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
    // Least privilege: exactly the tables infra/functions.ts lists, read or read-write.
    for (const [t, access] of Object.entries(def.tables) as [TableName, 'read' | 'readwrite'][]) {
      if (access === 'read') this.tables[t].grantReadData(f);
      else this.tables[t].grantReadWriteData(f);
    }
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
    acknowledge(f, [
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: `${name}: AWSLambdaBasicExecutionRole only lets the function write its own CloudWatch logs (CreateLogGroup/CreateLogStream/PutLogEvents).`,
      },
      ...(Object.keys(def.tables) as TableName[])
        .filter((t) => tables[t].indexes.length > 0)
        .map((t) => ({
          id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.tables[t].node.defaultChild as CfnElement)}.Arn>/index/*]`,
          reason: `${name}: the wildcard is the GSI suffix that the ${t} grant adds (infra/functions.ts); it reaches the indexes of that one table only.`,
        })),
    ]);
    return f;
  }

  private methodAccess(route: Route): apigw.MethodOptions {
    switch (route.access.kind) {
      case 'public':
        return { authorizationType: apigw.AuthorizationType.NONE };
      case 'apiKey':
        return { authorizationType: apigw.AuthorizationType.NONE, apiKeyRequired: true };
      case 'token':
      case 'optional':
        return { authorizationType: apigw.AuthorizationType.CUSTOM, authorizer: this.authorizer };
    }
  }

  /** Findings on roles the CDK itself adds, each with the reason it is acceptable. */
  private acknowledgeCdkHandlers(): void {
    const notifications = this.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
    if (notifications)
      acknowledge(notifications, [
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason:
            'CDK handler that sets the statements bucket’s event notification at deploy time; its managed policy only writes its own logs.',
        },
      ]);
    const cwRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cwRole)
      acknowledge(cwRole, [
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
          reason:
            'AmazonAPIGatewayPushToCloudWatchLogs is the AWS-documented role API Gateway needs to write this API’s execution and access logs.',
        },
      ]);
  }
}
