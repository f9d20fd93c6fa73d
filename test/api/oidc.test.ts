import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it, inject } from 'vitest';
import { api, token } from '../support/api';
import { authorizeUrl, signInWithPkce } from '../support/oidc';

/** The local OpenID Provider at /oidc (docs/API.md "Staff sign-in") and the authorizer trusting it. */
const gateway = () => inject('gatewayUrl');

describe('local OpenID Provider', () => {
  it('publishes discovery for its issuer under /oidc: code flow with PKCE (S256) only', async () => {
    const res = await fetch(`${gateway()}/oidc/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const d = (await res.json()) as Record<string, unknown>;
    expect(d.issuer).toBe(`${gateway()}/oidc`);
    expect(d.authorization_endpoint).toBe(`${gateway()}/oidc/auth`);
    expect(d.response_types_supported).toEqual(['code']);
    expect(d.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('shows a Chinese login page labelled 用户名 and 密码 with a 登录 button', async () => {
    const start = await fetch(authorizeUrl(gateway(), 'x'.repeat(43)), { redirect: 'manual' });
    const cookie = start.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const page = await (
      await fetch(new URL(start.headers.get('location')!, gateway()), { headers: { cookie } })
    ).text();
    expect(page).toContain('lang="zh-CN"');
    expect(page).toMatch(/<label for="username">用户名<\/label>/);
    expect(page).toMatch(/<label for="password">密码<\/label>/);
    expect(page).toMatch(/<button type="submit">登录<\/button>/);
  });

  it('refuses an authorization request without PKCE', async () => {
    const res = await fetch(authorizeUrl(gateway(), undefined), { redirect: 'manual' });
    const to = new URL(res.headers.get('location') ?? '', gateway());
    expect(to.pathname).toBe('/console/callback');
    expect(to.searchParams.get('error')).toBe('invalid_request');
  });

  it('refuses a wrong password with a sentence, and issues no code', async () => {
    const r = await signInWithPkce(gateway(), 'finance', 'not-the-password');
    expect(r.loginStatus).toBe(401);
    expect(r.loginPage).toContain('用户名或密码不正确');
    expect(r.accessToken).toBe('');
  });

  it("issues a JWT access token for the API's audience with role, dept and window, which the API accepts", async () => {
    const dept = await signInWithPkce(gateway(), 'dept-d01', 'demo');
    const claims = decodeJwt(dept.accessToken);
    expect(claims).toMatchObject({
      iss: `${gateway()}/oidc`,
      aud: 'one-window-api',
      sub: 'dept-d01',
      role: 'department',
      dept: 'D01',
    });
    expect(decodeProtectedHeader(dept.accessToken).alg).toBe('ES256');
    expect(decodeJwt(dept.idToken)).toMatchObject({ role: 'department', dept: 'D01', name: '公安局经办人' });
    expect((await api('GET', '/v1/notices', { token: dept.accessToken })).status).toBe(200);
    // The role is the token's: a department may not read the trial balance.
    expect((await api('GET', '/v1/ledger/trial-balance', { token: dept.accessToken })).status).toBe(403);

    const clerk = await signInWithPkce(gateway(), 'clerk-w01', 'demo');
    expect(decodeJwt(clerk.accessToken)).toMatchObject({ role: 'clerk', window: 'W01' });
    const auditor = await signInWithPkce(gateway(), 'auditor', 'demo');
    expect((await api('GET', '/v1/ledger/trial-balance', { token: auditor.accessToken })).status).toBe(200);
  });

  it("still accepts npm run token's tokens, and refuses its ID token (wrong audience)", async () => {
    expect((await api('GET', '/v1/ledger/trial-balance', { token: await token({ role: 'auditor' }) })).status).toBe(
      200,
    );
    const auditor = await signInWithPkce(gateway(), 'auditor', 'demo');
    expect((await api('GET', '/v1/ledger/trial-balance', { token: auditor.idToken })).status).toBe(401);
  });
});
