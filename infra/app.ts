import { App, CfnOutput, Stack, Validations } from 'aws-cdk-lib';
import { createRequire } from 'node:module';
import { RateLimitedWebAcl, WAF_RATE_RULES } from './constructs/waf';
import { deploySettings } from './settings';
import { OneWindowStack } from './stack';
import { buildWeb } from './web/build';

// cdk-nag is CommonJS whose re-exports Node's ESM loader cannot see by name.
const { AwsSolutionsChecks } = createRequire(import.meta.url)('cdk-nag') as typeof import('cdk-nag');

/**
 * CDK entry (`npx cdk synth`, offline: no lookups, esbuild from node_modules). The deployment's
 * settings (identity provider, alarm e-mail) come from context (`-c authIssuer=...`) or the
 * environment and are required: without them synth fails naming each (infra/settings.ts).
 */
const app = new App();
const settings = (() => {
  try {
    return deploySettings((key) => app.node.tryGetContext(key), process.env);
  } catch (e) {
    // The message says what to pass; a stack trace would bury it.
    console.error((e as Error).message);
    process.exit(1);
  }
})();

// What synth packages is what the local gateway serves: the web apps built from the same sources.
await buildWeb({ log: (line) => console.error(line) });

new OneWindowStack(app, 'OneWindowFees', {
  description: 'One-window fee collection and open-data gateway',
  ...settings,
});

/**
 * CloudFront only accepts web ACLs made in us-east-1. OneWindowFees makes its own when it is
 * deployed there; deployed in another region, deploy this stack first and pass its output as
 * `-c cloudFrontWebAclArn=...` (README, "Deploying").
 */
const edge = new Stack(app, 'OneWindowFeesEdge', {
  description: 'One-window portal: the CloudFront web ACL (us-east-1)',
  env: { region: 'us-east-1' },
});
const edgeAcl = new RateLimitedWebAcl(edge, 'PortalWebAcl', {
  scope: 'CLOUDFRONT',
  name: 'OneWindowFeesEdge-portal',
  rules: WAF_RATE_RULES.cloudFront,
});
new CfnOutput(edge, 'WebAclArn', { value: edgeAcl.arn, description: 'Pass as -c cloudFrontWebAclArn=...' });

// The AwsSolutions pack runs on every synth (a finding stops it); acknowledged findings carry their
// reasons in infra/stack.ts, and test/infra/stack.test.ts requires zero open findings.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
