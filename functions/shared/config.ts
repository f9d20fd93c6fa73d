import { randomBytes } from 'node:crypto';
import { cleanEnv, makeValidator, str, url } from 'envalid';
import { TABLE_NAMES, tableEnvVar, type TableName } from '../../schemas/tables';

/**
 * The one reading of the environment. Every variable any function uses is declared here with its
 * type, range and default, parsed once (at cold start, by the first wiring module that asks), and a
 * bad value stops the function with a message naming the variable, instead of turning a typo into a
 * silently disabled limit (`Number('3O')` is NaN, and `count > NaN` is never true).
 *
 * envalid rather than zod: the same declarations cost ≈ 1 ms of cold-start CPU against ≈ 4 ms for a
 * zod/mini object of 30 fields, and functions that validate no request (the statement import) would
 * load zod for it alone (docs/benchmarks.md, "Cold start").
 *
 * `process.env` appears nowhere else under functions/. The local stack and the test suite host every
 * function in one long-lived process; after changing the environment on purpose they call
 * `reloadConfig()`, which is what a fresh cold start would do.
 */
const matching = <T>(pattern: RegExp, message: string, convert: (s: string) => T) =>
  makeValidator<T>((raw) => {
    if (!pattern.test(raw)) throw new Error(message);
    return convert(raw);
  });

const wholeNumber = matching(/^\d+$/, 'must be a whole number', Number);

/**
 * An IANA zone name by its shape only: checking it against ICU here would load ICU's data (≈ 10 ms
 * of CPU) on every cold start, and every function's first business date does that anyway. A name of
 * the right shape that ICU does not know fails at that first use, naming the variable (systemClock).
 */
const timeZone = matching(
  /^(UTC|[A-Z][A-Za-z]+(\/[A-Za-z0-9_+-]+)+)$/,
  'must be an IANA time zone, e.g. Asia/Shanghai',
  String,
);

const isoInstant = makeValidator<string>((raw) => {
  if (!/^\d{4}-\d{2}-\d{2}T/.test(raw) || Number.isNaN(Date.parse(raw))) throw new Error('must be an ISO timestamp');
  return raw;
});

/** `50/10`: requests per seconds. */
const ratePerWindow = matching(/^\d+\/\d+$/, 'must read <requests>/<seconds>, e.g. 50/10', (s) => {
  const [requests, seconds] = s.split('/').map(Number) as [number, number];
  return { requests, seconds };
});

/** An http(s) origin, optionally with a path, without query or fragment; a trailing slash is dropped. */
const baseUrl = matching(
  /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/,
  'must be an http(s) URL without query or fragment',
  (s) => s.replace(/\/+$/, ''),
);

const nonEmpty = matching(/^[\s\S]+$/, 'must not be empty', String);
const optional = { default: undefined };

const tableVars = Object.fromEntries(TABLE_NAMES.map((t) => [tableEnvVar(t), nonEmpty(optional)]));

const environment = {
  /** DynamoDB Local's address; absent when deployed. */
  DYNAMODB_ENDPOINT: url(optional),
  AWS_REGION: str(optional),
  /** Local only: the instant the clock starts at; it then runs at normal speed. */
  CLOCK: isoInstant(optional),
  BUSINESS_TZ: timeZone({ default: 'Asia/Shanghai' }),
  LOG_LEVEL: str({ choices: ['debug', 'info', 'warn', 'error', 'silent'] as const, default: 'info' }),
  AUTH_ISSUER: nonEmpty({ default: 'https://auth.one-window.local' }),
  AUTH_AUDIENCE: nonEmpty({ default: 'one-window-api' }),
  AUTH_JWKS_URL: url(optional),
  /** Local only: the local OpenID Provider's issuer (`<gateway>/oidc`), trusted beside AUTH_ISSUER with the same key file. */
  LOCAL_OIDC_ISSUER: url(optional),
  /** Deployed: the KMS key that signs receipts. Locally a key file instead. */
  SIGNING_KMS_KEY_ID: nonEmpty(optional),
  /** Deployed: the KMS key that signs ledger day proofs (never receipts). Locally a key file instead. */
  DAY_PROOF_KMS_KEY_ID: nonEmpty(optional),
  LOCAL_KEY_DIR: nonEmpty(optional),
  NOTICE_LOOKUP_LIMIT: wholeNumber({ default: 30 }),
  RECEIPT_LOOKUP_LIMIT: wholeNumber({ default: 60 }),
  ONLINE_PAYMENT_LIMIT: wholeNumber({ default: 30 }),
  /** Anonymous payment orders per client per minute (each one tries check codes). */
  PAYMENT_ORDER_LIMIT: wholeNumber({ default: 30 }),
  RECEIPT_ISSUER: nonEmpty({ default: '财政局 行政服务中心统一收费窗口' }),
  /** k of small-cell suppression; the disclosure rules raise anything below 3 to 3 (ADR 0006). */
  OPEN_DATA_MIN_CELL: wholeNumber({ default: 5 }),
  OPEN_DATA_RATE_LIMIT: ratePerWindow({ default: { requests: 50, seconds: 10 } }),
  OPEN_DATA_USAGE_PLAN_ID: nonEmpty(optional),
  /** The public origin of open-data links and files (deployed: the CloudFront URL); unset: each request's. */
  OPEN_DATA_PUBLIC_BASE_URL: baseUrl(optional),
  /** Deployed: the bucket of published release files (`open-data/<dataset>/<release>.csv`). */
  OPEN_DATA_BUCKET: nonEmpty(optional),
  /** Locally: the directory of published release files, which the local gateway serves at /open-data/. */
  OPEN_DATA_FILES_DIR: nonEmpty(optional),
  /** The publisher function that POST /v1/open/publish invokes asynchronously (name or ARN). */
  OPEN_DATA_PUBLISHER_FUNCTION: nonEmpty(optional),
  /** Deployed: the KMS HMAC key open-data API keys are derived with. Locally a key file instead. */
  OPEN_DATA_KEY_KMS_KEY_ID: nonEmpty(optional),
  /** Local only: the local stack's Lambda Invoke endpoint; absent when deployed. */
  LAMBDA_ENDPOINT: url(optional),
  /** The key that seals list cursors (HMAC); deployed, one value for every function that pages. */
  CURSOR_SECRET: matching(/^[\s\S]{32,}$/, 'must be at least 32 characters', String)(optional),
  /** Deployed: the SQS queue of webhook deliveries; absent locally (an in-process queue instead). */
  WEBHOOK_QUEUE_URL: url(optional),
  /**
   * Where SQS is reached, when not at its regional address (the SDK's own endpoint settings; the
   * deployed-bundle test points them at its stand-ins), passed to the queue adapter's SQS client
   * (functions/webhooks/adapters/sqsQueue.ts).
   */
  AWS_ENDPOINT_URL_SQS: url(optional),
  AWS_ENDPOINT_URL: url(optional),
  /** Local stack only (`npm start` sets it): webhook endpoints may be `http://127.0.0.1` receivers. */
  WEBHOOK_ALLOW_LOCAL_HTTP: matching(
    /^(true|false)$/,
    'must be true or false',
    (s) => s === 'true',
  )({ default: false }),
  /** Tests and benchmarks: every retry delay times this (e.g. 0.0002 makes 5 min 60 ms); deployed 1. */
  WEBHOOK_RETRY_SCALE: matching(/^(0(\.\d+)?|1(\.0+)?)$/, 'must be a number from 0 to 1', Number)({ default: 1 }),
  /** Deployed: the key that seals webhook signing secrets at rest; locally a key file instead. */
  WEBHOOK_SECRET_KEY: matching(/^[\s\S]{32,}$/, 'must be at least 32 characters', String)(optional),
  /** The payment provider's gateway (Alipay's `https://openapi.alipay.com/gateway.do`; locally the sandbox's). */
  PAYMENT_PROVIDER_GATEWAY: url(optional),
  PAYMENT_PROVIDER_APP_ID: nonEmpty({ default: 'sandbox-app' }),
  /** The merchant application's RSA private key (PKCS#8, PEM or bare base64); deployed from Secrets Manager. */
  PAYMENT_PROVIDER_PRIVATE_KEY: nonEmpty(optional),
  /** The provider's RSA public key (PEM or bare base64) that notifications and responses verify with. */
  PAYMENT_PROVIDER_PUBLIC_KEY: nonEmpty(optional),
  /** This API's public base URL the provider posts notifications to (…/v1/payment-providers/alipay/notifications). */
  PAYMENT_NOTIFY_BASE_URL: baseUrl(optional),
  /** How long a payment order holds its notices. */
  PAYMENT_ORDER_TTL_SECONDS: wholeNumber({ default: 900 }),
  /** A `created` order read after this long asks the provider. */
  PAYMENT_ORDER_QUERY_AFTER_SECONDS: wholeNumber({ default: 10 }),
};

/**
 * Without CURSOR_SECRET, a random key of this process: the local stack hosts every function in one
 * process, so its cursors open wherever they are used; a restart makes old cursors 400s. (Deployed,
 * containers would not share it: the stack sets CURSOR_SECRET.)
 */
const processCursorSecret = randomBytes(32).toString('base64url');

export interface Config {
  dynamoEndpoint: string | undefined;
  awsRegion: string | undefined;
  clockStart: string | undefined;
  businessTimeZone: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  auth: { issuer: string; audience: string; jwksUrl: string | undefined; localOidcIssuer: string | undefined };
  /** The receipt signing key (KMS); undefined locally. */
  signingKmsKeyId: string | undefined;
  /** The day-proof signing key (KMS); undefined locally. */
  dayProofKmsKeyId: string | undefined;
  /** Directory of the local stack's key files (auth and receipt signing); never used when deployed. */
  localKeyDir: string;
  /** Per client per minute. */
  limits: { noticeLookup: number; receiptLookup: number; onlinePayment: number; paymentOrder: number };
  receiptIssuer: string;
  openData: {
    minCell: number;
    rate: { requests: number; seconds: number };
    usagePlanId: string | undefined;
    /** Without a trailing slash. */
    publicBaseUrl: string | undefined;
    bucket: string | undefined;
    filesDir: string;
    publisherFunction: string | undefined;
    keyKmsKeyId: string | undefined;
  };
  lambdaEndpoint: string | undefined;
  /** Seals list cursors (functions/shared/domain/cursor.ts). */
  cursorSecret: string;
  webhooks: {
    queueUrl: string | undefined;
    sqsEndpoint: string | undefined;
    allowLocalHttp: boolean;
    retryScale: number;
    secretKey: string | undefined;
  };
  /** The payment provider (docs/adr/0015); `gateway` undefined: none configured. */
  paymentProvider: {
    gateway: string | undefined;
    appId: string;
    privateKey: string | undefined;
    publicKey: string | undefined;
    notifyBaseUrl: string | undefined;
  };
  paymentOrders: { ttlSeconds: number; queryAfterSeconds: number };
  /** Physical table names: from `TABLE_<NAME>` when deployed, the logical name locally. */
  tables: Record<TableName, string>;
}

/** envalid's default reporter exits the process; ours throws, naming every bad variable. */
function reporter({ errors }: { errors: Partial<Record<string, Error>> }): void {
  const problems = Object.entries(errors).map(([name, error]) => `${name}: ${error?.message}`);
  if (problems.length > 0) throw new Error(`Bad configuration: ${problems.join('; ')}`);
}

/** Parses an environment (a plain record, so a unit test passes its own). Throws naming each bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const e = cleanEnv(env, environment, { reporter });
  const tables: Record<string, string | undefined> = cleanEnv(env, tableVars, { reporter });
  return {
    dynamoEndpoint: e.DYNAMODB_ENDPOINT,
    awsRegion: e.AWS_REGION,
    clockStart: e.CLOCK,
    businessTimeZone: e.BUSINESS_TZ,
    logLevel: e.LOG_LEVEL,
    auth: {
      issuer: e.AUTH_ISSUER,
      audience: e.AUTH_AUDIENCE,
      jwksUrl: e.AUTH_JWKS_URL,
      localOidcIssuer: e.LOCAL_OIDC_ISSUER,
    },
    signingKmsKeyId: e.SIGNING_KMS_KEY_ID,
    dayProofKmsKeyId: e.DAY_PROOF_KMS_KEY_ID,
    localKeyDir: e.LOCAL_KEY_DIR ?? `${process.cwd()}/.data/keys`,
    limits: {
      noticeLookup: e.NOTICE_LOOKUP_LIMIT,
      receiptLookup: e.RECEIPT_LOOKUP_LIMIT,
      onlinePayment: e.ONLINE_PAYMENT_LIMIT,
      paymentOrder: e.PAYMENT_ORDER_LIMIT,
    },
    receiptIssuer: e.RECEIPT_ISSUER,
    openData: {
      minCell: e.OPEN_DATA_MIN_CELL,
      rate: e.OPEN_DATA_RATE_LIMIT,
      usagePlanId: e.OPEN_DATA_USAGE_PLAN_ID,
      publicBaseUrl: e.OPEN_DATA_PUBLIC_BASE_URL,
      bucket: e.OPEN_DATA_BUCKET,
      filesDir: e.OPEN_DATA_FILES_DIR ?? `${process.cwd()}/.data/open-data`,
      publisherFunction: e.OPEN_DATA_PUBLISHER_FUNCTION,
      keyKmsKeyId: e.OPEN_DATA_KEY_KMS_KEY_ID,
    },
    lambdaEndpoint: e.LAMBDA_ENDPOINT,
    cursorSecret: e.CURSOR_SECRET ?? processCursorSecret,
    webhooks: {
      queueUrl: e.WEBHOOK_QUEUE_URL,
      sqsEndpoint: e.AWS_ENDPOINT_URL_SQS ?? e.AWS_ENDPOINT_URL,
      allowLocalHttp: e.WEBHOOK_ALLOW_LOCAL_HTTP,
      retryScale: e.WEBHOOK_RETRY_SCALE,
      secretKey: e.WEBHOOK_SECRET_KEY,
    },
    paymentProvider: {
      gateway: e.PAYMENT_PROVIDER_GATEWAY,
      appId: e.PAYMENT_PROVIDER_APP_ID,
      privateKey: e.PAYMENT_PROVIDER_PRIVATE_KEY,
      publicKey: e.PAYMENT_PROVIDER_PUBLIC_KEY,
      notifyBaseUrl: e.PAYMENT_NOTIFY_BASE_URL,
    },
    paymentOrders: { ttlSeconds: e.PAYMENT_ORDER_TTL_SECONDS, queryAfterSeconds: e.PAYMENT_ORDER_QUERY_AFTER_SECONDS },
    tables: Object.fromEntries(TABLE_NAMES.map((t) => [t, tables[tableEnvVar(t)] ?? t])) as Record<TableName, string>,
  };
}

let current: Config | undefined;

/** The configuration of this process, parsed on first use. */
export function config(): Config {
  current ??= parseConfig(process.env);
  return current;
}

/**
 * A value built from the configuration, built once and again only after `reloadConfig()`: the
 * configuration object is the key (reference equality), so the hot path compares one pointer.
 */
export function perConfiguration<T>(build: (c: Config) => T): () => T {
  let built: { from: Config; value: T } | undefined;
  return () => {
    const c = config();
    if (built?.from !== c) built = { from: c, value: build(c) };
    return built.value;
  };
}

/** Re-reads the environment: for the local stack and tests, which change it in a running process. */
export function reloadConfig(): Config {
  current = undefined;
  return config();
}
