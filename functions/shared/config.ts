import * as z from 'zod/mini';
import { TABLE_NAMES, tableEnvVar, type TableName } from '../../schemas/tables';

/**
 * The one reading of the environment. Every variable any function uses is declared here with its
 * type, range and default, parsed once (at cold start, by the first wiring module that asks), and a
 * bad value stops the function with a message naming the variable, instead of turning a typo into a
 * silently disabled limit (`Number('3O')` is NaN, and `count > NaN` is never true).
 *
 * `process.env` appears nowhere else under functions/. The local stack and the test suite host every
 * function in one long-lived process; after changing the environment on purpose they call
 * `reloadConfig()`, which is what a fresh cold start would do.
 */
const wholeNumber = z.pipe(
  z.string().check(z.regex(/^\d+$/, 'must be a whole number')),
  z.transform((s) => Number(s)),
);
const positiveInt = (fallback: number) => z.pipe(z._default(z.string(), String(fallback)), wholeNumber);

const nonEmpty = (fallback: string) => z._default(z.string().check(z.minLength(1)), fallback);

const timeZone = z._default(
  z.string().check(
    z.refine((tz) => {
      try {
        new Intl.DateTimeFormat('en-CA', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone'),
  ),
  'Asia/Shanghai',
);

const isoInstant = z.string().check(z.refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO timestamp'));

/** `50/10`: requests per seconds. */
const ratePerWindow = z.pipe(
  z._default(z.string().check(z.regex(/^\d+\/\d+$/, 'must read <requests>/<seconds>, e.g. 50/10')), '50/10'),
  z.transform((s) => {
    const [requests, seconds] = s.split('/').map(Number) as [number, number];
    return { requests, seconds };
  }),
);

const tableVars = Object.fromEntries(
  TABLE_NAMES.map((t) => [tableEnvVar(t), z.optional(z.string().check(z.minLength(1)))]),
);

const Environment = z.object({
  /** DynamoDB Local's address; absent when deployed. */
  DYNAMODB_ENDPOINT: z.optional(z.url()),
  AWS_REGION: z.optional(z.string()),
  /** Local only: the instant the clock starts at; it then runs at normal speed. */
  CLOCK: z.optional(isoInstant),
  BUSINESS_TZ: timeZone,
  LOG_LEVEL: z._default(z.enum(['debug', 'info', 'warn', 'error', 'silent']), 'info'),
  AUTH_ISSUER: nonEmpty('https://auth.one-window.local'),
  AUTH_AUDIENCE: nonEmpty('one-window-api'),
  AUTH_JWKS_URL: z.optional(z.url()),
  /** Deployed: the KMS key that signs receipts and day proofs. Locally a key file instead. */
  SIGNING_KMS_KEY_ID: z.optional(z.string().check(z.minLength(1))),
  LOCAL_KEY_DIR: z.optional(z.string().check(z.minLength(1))),
  NOTICE_LOOKUP_LIMIT: positiveInt(30),
  RECEIPT_LOOKUP_LIMIT: positiveInt(60),
  ONLINE_PAYMENT_LIMIT: positiveInt(30),
  RECEIPT_ISSUER: nonEmpty('财政局 行政服务中心统一收费窗口'),
  /** k of small-cell suppression; the disclosure rules raise anything below 3 to 3 (ADR 0006). */
  OPEN_DATA_MIN_CELL: positiveInt(5),
  OPEN_DATA_RATE_LIMIT: ratePerWindow,
  OPEN_DATA_USAGE_PLAN_ID: z.optional(z.string().check(z.minLength(1))),
  /** How long day close lets the eventually consistent day index settle; 0 against DynamoDB Local. */
  DAY_CLOSE_INDEX_SETTLE_MS: z.optional(wholeNumber),
  ...tableVars,
});

export interface Config {
  dynamoEndpoint: string | undefined;
  awsRegion: string | undefined;
  clockStart: string | undefined;
  businessTimeZone: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  auth: { issuer: string; audience: string; jwksUrl: string | undefined };
  signingKmsKeyId: string | undefined;
  /** Directory of the local stack's key files (auth and receipt signing); never used when deployed. */
  localKeyDir: string;
  /** Per client per minute. */
  limits: { noticeLookup: number; receiptLookup: number; onlinePayment: number };
  receiptIssuer: string;
  openData: { minCell: number; rate: { requests: number; seconds: number }; usagePlanId: string | undefined };
  dayCloseIndexSettleMs: number;
  /** Physical table names: from `TABLE_<NAME>` when deployed, the logical name locally. */
  tables: Record<TableName, string>;
}

/** Parses an environment (a plain record, so a unit test passes its own). Throws naming each bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const r = z.safeParse(Environment, env);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
    throw new Error(`Bad configuration: ${problems.join('; ')}`);
  }
  const e = r.data as z.infer<typeof Environment> & Record<string, string | undefined>;
  return {
    dynamoEndpoint: e.DYNAMODB_ENDPOINT,
    awsRegion: e.AWS_REGION,
    clockStart: e.CLOCK,
    businessTimeZone: e.BUSINESS_TZ,
    logLevel: e.LOG_LEVEL,
    auth: { issuer: e.AUTH_ISSUER, audience: e.AUTH_AUDIENCE, jwksUrl: e.AUTH_JWKS_URL },
    signingKmsKeyId: e.SIGNING_KMS_KEY_ID,
    localKeyDir: e.LOCAL_KEY_DIR ?? `${process.cwd()}/.data/keys`,
    limits: {
      noticeLookup: e.NOTICE_LOOKUP_LIMIT,
      receiptLookup: e.RECEIPT_LOOKUP_LIMIT,
      onlinePayment: e.ONLINE_PAYMENT_LIMIT,
    },
    receiptIssuer: e.RECEIPT_ISSUER,
    openData: { minCell: e.OPEN_DATA_MIN_CELL, rate: e.OPEN_DATA_RATE_LIMIT, usagePlanId: e.OPEN_DATA_USAGE_PLAN_ID },
    // Deployed, the day index is a GSI that lags writes by up to about a second.
    dayCloseIndexSettleMs: e.DAY_CLOSE_INDEX_SETTLE_MS ?? (e.DYNAMODB_ENDPOINT ? 0 : 1500),
    tables: Object.fromEntries(TABLE_NAMES.map((t) => [t, e[tableEnvVar(t)] ?? t])) as Record<TableName, string>,
  };
}

let current: Config | undefined;

/** The configuration of this process, parsed on first use. */
export function config(): Config {
  current ??= parseConfig(process.env);
  return current;
}

/** Re-reads the environment: for the local stack and tests, which change it in a running process. */
export function reloadConfig(): Config {
  current = undefined;
  return config();
}
