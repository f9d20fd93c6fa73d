/**
 * The deployment's required settings: what the stack cannot guess. Each comes from CDK context
 * (`-c key=value`) or the environment; a synth without one fails naming every missing or bad
 * setting and how to pass it, instead of deploying a placeholder (an identity provider nobody runs,
 * alarms that notify nobody).
 */
export interface DeploySettings {
  auth: { issuer: string; audience: string; jwksUrl: string; consoleClientId?: string; consoleScope?: string };
  /** Subscribed to the alarm topic (the address confirms the subscription once). */
  alarmEmail: string;
  /** A CLOUDFRONT-scope web ACL made elsewhere (us-east-1); unset, the stack makes its own. */
  cloudFrontWebAclArn?: string;
  logLevel?: string;
  businessTz?: string;
}

interface Setting {
  context: string;
  env: string;
  example: string;
  check: (value: string) => string | undefined;
}

const httpsUrl = (value: string): string | undefined => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:') return 'must be an https:// URL';
  // The local stack's identity provider (infra/local) is not reachable from a deployed authorizer.
  if (/(^|\.)(local|localhost)$/.test(url.hostname) || /^(127\.|\[::1\]$)/.test(url.hostname))
    return `must be your identity provider's public address, not a local one (${url.hostname})`;
  return undefined;
};

export const REQUIRED_SETTINGS = {
  authIssuer: { context: 'authIssuer', env: 'AUTH_ISSUER', example: 'https://idp.example.gov.cn', check: httpsUrl },
  authAudience: {
    context: 'authAudience',
    env: 'AUTH_AUDIENCE',
    example: 'one-window-api',
    check: (v: string) => (v.trim() === '' ? 'must not be empty' : undefined),
  },
  authJwksUrl: {
    context: 'authJwksUrl',
    env: 'AUTH_JWKS_URL',
    example: 'https://idp.example.gov.cn/.well-known/jwks.json',
    check: httpsUrl,
  },
  alarmEmail: {
    context: 'alarmEmail',
    env: 'ALARM_EMAIL',
    example: 'ops@example.gov.cn',
    check: (v: string) => (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? undefined : 'must be an e-mail address'),
  },
} satisfies Record<string, Setting>;

type Lookup = (contextKey: string) => unknown;

/**
 * Reads the settings from context (first) or the environment. Throws one error naming every
 * missing or bad required setting, with the flags to pass.
 */
export function deploySettings(context: Lookup, env: Record<string, string | undefined>): DeploySettings {
  const read = (s: { context: string; env: string }): string | undefined => {
    const v = context(s.context) ?? env[s.env];
    return v === undefined || v === null ? undefined : String(v);
  };
  const problems: string[] = [];
  const values = {} as Record<keyof typeof REQUIRED_SETTINGS, string>;
  for (const [name, s] of Object.entries(REQUIRED_SETTINGS) as [keyof typeof REQUIRED_SETTINGS, Setting][]) {
    const v = read(s);
    const problem = v === undefined || v === '' ? 'is missing' : s.check(v);
    if (problem) problems.push(`${s.context} (or ${s.env}) ${problem}`);
    else values[name] = v!;
  }
  if (problems.length > 0) throw new Error(missingSettingsMessage(problems));
  return {
    auth: {
      issuer: values.authIssuer,
      audience: values.authAudience,
      jwksUrl: values.authJwksUrl,
      // Optional: the console's client at the identity provider and the scopes it asks for (docs/adr/0018).
      consoleClientId: read({ context: 'consoleClientId', env: 'CONSOLE_CLIENT_ID' }),
      consoleScope: read({ context: 'consoleScope', env: 'CONSOLE_SCOPE' }),
    },
    alarmEmail: values.alarmEmail,
    cloudFrontWebAclArn: read({ context: 'cloudFrontWebAclArn', env: 'CLOUDFRONT_WEB_ACL_ARN' }),
    logLevel: read({ context: 'logLevel', env: 'LOG_LEVEL' }),
    businessTz: read({ context: 'businessTz', env: 'BUSINESS_TZ' }),
  };
}

/** The flags that satisfy every required setting with the examples' values. */
export const exampleFlags = (): string =>
  Object.values(REQUIRED_SETTINGS)
    .map((s) => `-c ${s.context}=${s.example}`)
    .join(' ');

function missingSettingsMessage(problems: string[]): string {
  return [
    'Cannot synthesize the deployable stack without its settings:',
    ...problems.map((p) => `  - ${p}`),
    `Pass them as context, e.g. npx cdk synth ${exampleFlags()}`,
    'or set AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL and ALARM_EMAIL (README, "Deploying").',
  ].join('\n');
}
