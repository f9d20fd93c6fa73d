import { beforeAll, describe, expect, it } from 'vitest';
import { deploySettings } from '../../infra/settings';
import { consoleSignInConfig } from '../../infra/stack';
import { EXAMPLE_SETTINGS, synth, type Json } from './template';

/**
 * Staff sign-in deployed (docs/adr/0018): the stack trusts the configured identity provider only,
 * and the console it uploads signs in there, never at the local OpenID Provider.
 */
const CONTEXT: Record<string, string> = {
  authIssuer: 'https://idp.example.gov.cn',
  authAudience: 'one-window-api',
  authJwksUrl: 'https://idp.example.gov.cn/.well-known/jwks.json',
  alarmEmail: 'ops@example.gov.cn',
};

let resources: Record<string, Json>;
beforeAll(() => {
  resources = synth().resources;
});

describe('staff sign-in, deployed', () => {
  it('the authorizer trusts the configured issuer and nothing local', () => {
    const [authorizer] = Object.values(resources).filter(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.AUTH_JWKS_URL,
    );
    const env = authorizer!.Properties.Environment.Variables;
    expect(env.AUTH_ISSUER).toBe(EXAMPLE_SETTINGS.auth.issuer);
    expect(env.AUTH_JWKS_URL).toBe(EXAMPLE_SETTINGS.auth.jwksUrl);
    expect(env.LOCAL_OIDC_ISSUER).toBeUndefined();
    expect(env.LOCAL_KEY_DIR).toBeUndefined();
  });

  it('refuses the local OpenID Provider as the issuer', () => {
    const ctx: Record<string, string> = { ...CONTEXT, authIssuer: 'http://127.0.0.1:3000/oidc' };
    expect(() => deploySettings((k) => ctx[k], {})).toThrow(/authIssuer/);
    const local: Record<string, string> = { ...CONTEXT, authIssuer: 'https://localhost/oidc' };
    expect(() => deploySettings((k) => local[k], {})).toThrow(/not a local one/);
  });

  it('uploads the console with a sign-in configuration for that provider', () => {
    expect(consoleSignInConfig(EXAMPLE_SETTINGS.auth)).toEqual({
      authority: 'https://idp.example.gov.cn',
      clientId: 'console',
      scope: 'openid profile',
    });
    const settings = deploySettings(
      (k) => ({ ...CONTEXT, consoleClientId: 'staff-console', consoleScope: 'openid api' })[k],
      {},
    );
    expect(consoleSignInConfig(settings.auth)).toMatchObject({ clientId: 'staff-console', scope: 'openid api' });
    const [deployment] = Object.values(resources).filter((r) => r.Type === 'Custom::CDKBucketDeployment');
    // The built apps, then console/config.json over the built one.
    expect(deployment!.Properties.SourceObjectKeys).toHaveLength(2);
  });
});
