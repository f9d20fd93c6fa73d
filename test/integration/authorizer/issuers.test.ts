import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenVerifier } from '../../../functions/authorizer/adapters/tokens';

/**
 * Which issuers the authorizer trusts (docs/adr/0018): locally, `npm run token`'s and the local
 * OpenID Provider's (both sign with the key file); deployed (a JWKS URL), only the configured one,
 * even for a token signed by the very key the JWKS publishes.
 */
const ISSUER = 'https://auth.one-window.local';
const LOCAL_OIDC = 'http://127.0.0.1:3000/oidc';
let key: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let jwk: JWK;
let dir: string;
let jwks: Server;
let jwksUrl: string;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  key = pair.privateKey;
  jwk = { ...(await exportJWK(pair.privateKey)), alg: 'ES256', kid: 'k1' };
  dir = mkdtempSync(join(tmpdir(), 'issuers-'));
  writeFileSync(join(dir, 'auth.jwk.json'), JSON.stringify(jwk));
  const { d: _d, ...pub } = jwk;
  jwks = createServer((_req, res) => res.end(JSON.stringify({ keys: [pub] })));
  await new Promise<void>((ok) => jwks.listen(0, '127.0.0.1', ok));
  const addr = jwks.address();
  jwksUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/jwks.json`;
});
afterAll(() => jwks?.close());

const signed = (iss: string) =>
  new SignJWT({ role: 'auditor' })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer(iss)
    .setAudience('one-window-api')
    .setSubject('auditor')
    .setExpirationTime('5m')
    .sign(key);

describe('issuers the authorizer trusts', () => {
  it('locally: the configured issuer and the local OpenID Provider, nothing else', async () => {
    const v = new TokenVerifier({
      issuer: ISSUER,
      audience: 'one-window-api',
      localKeyDir: dir,
      localOidcIssuer: LOCAL_OIDC,
    });
    await expect(v.verify(await signed(ISSUER))).resolves.toMatchObject({ role: 'auditor' });
    await expect(v.verify(await signed(LOCAL_OIDC))).resolves.toMatchObject({ role: 'auditor' });
    await expect(v.verify(await signed('http://127.0.0.1:9999/oidc'))).rejects.toThrow();
  });

  it('deployed (JWKS URL): only the configured issuer, even if a local issuer is set', async () => {
    const v = new TokenVerifier({
      issuer: ISSUER,
      audience: 'one-window-api',
      jwksUrl,
      localKeyDir: dir,
      localOidcIssuer: LOCAL_OIDC,
    });
    await expect(v.verify(await signed(ISSUER))).resolves.toMatchObject({ role: 'auditor' });
    await expect(v.verify(await signed(LOCAL_OIDC))).rejects.toThrow();
  });
});
