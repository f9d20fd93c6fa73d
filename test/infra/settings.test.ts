import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deploySettings, exampleFlags, REQUIRED_SETTINGS } from '../../infra/settings';
import { PROJECT_ROOT } from '../../infra/stack';

/**
 * `cdk synth` needs the deployment's settings (identity provider, alarm e-mail): without them it
 * fails naming what to pass, instead of deploying the local issuer's address and alarms nobody gets.
 */
const EXAMPLE_CONTEXT = Object.fromEntries(Object.values(REQUIRED_SETTINGS).map((s) => [s.context, s.example]));
const none = () => undefined;

describe('deploySettings', () => {
  it('fails without settings, naming each one, its variable and an example command', () => {
    expect(() => deploySettings(none, {})).toThrow(
      /authIssuer \(or AUTH_ISSUER\) is missing[\s\S]*authAudience \(or AUTH_AUDIENCE\) is missing[\s\S]*authJwksUrl \(or AUTH_JWKS_URL\) is missing[\s\S]*alarmEmail \(or ALARM_EMAIL\) is missing[\s\S]*npx cdk synth -c authIssuer=https:\/\/idp\.example\.gov\.cn/,
    );
  });

  it('reads context first, then the environment', () => {
    const s = deploySettings((k) => (k === 'authIssuer' ? 'https://ctx.example.gov.cn' : undefined), {
      AUTH_ISSUER: 'https://env.example.gov.cn',
      AUTH_AUDIENCE: 'one-window-api',
      AUTH_JWKS_URL: 'https://env.example.gov.cn/jwks.json',
      ALARM_EMAIL: 'ops@example.gov.cn',
    });
    expect(s).toMatchObject({
      auth: {
        issuer: 'https://ctx.example.gov.cn',
        audience: 'one-window-api',
        jwksUrl: 'https://env.example.gov.cn/jwks.json',
      },
      alarmEmail: 'ops@example.gov.cn',
    });
  });

  it('refuses the local stack’s issuer and non-https addresses, naming the setting but not echoing the value', () => {
    const context = (over: Record<string, string>) => (k: string) => ({ ...EXAMPLE_CONTEXT, ...over })[k];
    expect(() => deploySettings(context({ authIssuer: 'https://auth.one-window.local' }), {})).toThrow(
      /authIssuer \(or AUTH_ISSUER\) must be your identity provider's public address/,
    );
    expect(() => deploySettings(context({ authJwksUrl: 'http://idp.example.gov.cn/jwks.json' }), {})).toThrow(
      /authJwksUrl \(or AUTH_JWKS_URL\) must be an https:\/\/ URL/,
    );
    expect(() => deploySettings(context({ alarmEmail: 'ops' }), {})).toThrow(
      /alarmEmail \(or ALARM_EMAIL\) must be an e-mail address/,
    );
    expect(deploySettings(context({}), {}).auth.issuer).toBe('https://idp.example.gov.cn');
  });
});

// Each test runs the app in a process of its own (tsx, the CDK, cdk-nag): slow on a busy machine.
describe('the CDK app (infra/app.ts, as `cdk synth` runs it)', { timeout: 180_000 }, () => {
  const outDirs: string[] = [];
  afterAll(() => {
    for (const d of outDirs) rmSync(d, { recursive: true, force: true });
  });

  /** Runs the app in its own process with only PATH and HOME from this one, bundling skipped. */
  const runApp = (context: Record<string, unknown>) => {
    const outdir = mkdtempSync(join(tmpdir(), 'one-window-synth-'));
    outDirs.push(outdir);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], ...context }),
      },
      timeout: 170_000,
    });
    return { ...r, outdir };
  };

  it('fails without the settings, with the message naming what to pass', () => {
    const r = runApp({});
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('Cannot synthesize the deployable stack without its settings');
    expect(r.stderr).toContain(`npx cdk synth ${exampleFlags()}`);
    expect(readdirSync(r.outdir).filter((f) => f.endsWith('.template.json'))).toEqual([]);
  });

  it('synthesizes both stacks with the example settings .ci/run passes, cdk-nag included', () => {
    const r = runApp(EXAMPLE_CONTEXT);
    expect(r.stderr).not.toMatch(/AwsSolutions-/);
    expect(r.status, r.stderr).toBe(0);
    expect(
      readdirSync(r.outdir)
        .filter((f) => f.endsWith('.template.json'))
        .sort(),
    ).toEqual(['OneWindowFees.template.json', 'OneWindowFeesEdge.template.json']);
    // The edge stack is only the CloudFront web ACL, for deployments outside us-east-1.
    const edge = JSON.parse(readFileSync(join(r.outdir, 'OneWindowFeesEdge.template.json'), 'utf8'));
    expect(Object.values(edge.Resources as Record<string, { Type: string; Properties: { Scope?: string } }>)).toEqual([
      expect.objectContaining({
        Type: 'AWS::WAFv2::WebACL',
        Properties: expect.objectContaining({ Scope: 'CLOUDFRONT' }),
      }),
    ]);
    expect(Object.keys(edge.Outputs)).toEqual(['WebAclArn']);
  });
});

describe('CI', () => {
  it('.ci/run synthesizes with the example settings', () => {
    const run = readFileSync(join(PROJECT_ROOT, '.ci/run'), 'utf8');
    expect(run).toContain(`npx cdk synth --quiet ${exampleFlags()} > /dev/null`);
  });
});
