import { App, Validations } from 'aws-cdk-lib';
import { createRequire } from 'node:module';
import { OneWindowStack } from './stack';

// cdk-nag is CommonJS whose re-exports Node's ESM loader cannot see by name.
const { AwsSolutionsChecks } = createRequire(import.meta.url)('cdk-nag') as typeof import('cdk-nag');

/**
 * CDK entry (`npx cdk synth`, offline: no lookups, esbuild from node_modules).
 * Identity-provider settings come from context (`-c authIssuer=...`) or the environment; the
 * defaults are the local stack's values so a synth works out of the box.
 */
const app = new App();
const setting = (key: string, env: string, fallback: string): string =>
  (app.node.tryGetContext(key) as string | undefined) ?? process.env[env] ?? fallback;

new OneWindowStack(app, 'OneWindowFees', {
  description: 'One-window fee collection and open-data gateway',
  auth: {
    issuer: setting('authIssuer', 'AUTH_ISSUER', 'https://auth.one-window.local'),
    audience: setting('authAudience', 'AUTH_AUDIENCE', 'one-window-api'),
    jwksUrl: setting('authJwksUrl', 'AUTH_JWKS_URL', 'https://auth.one-window.local/.well-known/jwks.json'),
  },
  logLevel: setting('logLevel', 'LOG_LEVEL', 'info'),
  businessTz: setting('businessTz', 'BUSINESS_TZ', 'Asia/Shanghai'),
  alarmEmail: app.node.tryGetContext('alarmEmail') as string | undefined,
});

// The AwsSolutions pack runs on every synth (a finding stops it); acknowledged findings carry their
// reasons in infra/stack.ts, and test/infra/stack.test.ts requires zero open findings.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
