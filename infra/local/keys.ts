import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Role } from '../../schemas/routes';
import { config } from '../../functions/shared/config';

const localKeyDir = () => config().localKeyDir;

/**
 * The local stack's key files (never used when deployed): `auth.jwk.json` signs the tokens the
 * local identity provider (`npm run token`) issues; `receipt-signing.jwk.json` signs receipts and
 * `day-proof-signing.jwk.json` signs ledger day proofs (one key per kind of signed document, as the
 * deployed stack has one KMS key per kind). Created on first use with mode 0600.
 */
export async function ensureLocalKey(
  name: 'auth' | 'receipt-signing' | 'day-proof-signing',
  dir = localKeyDir(),
): Promise<JWK> {
  const file = join(dir, `${name}.jwk.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as JWK;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = {
    ...(await exportJWK(privateKey)),
    alg: 'ES256',
    use: 'sig',
    kid: `${name}-${randomUUID().slice(0, 8)}`,
  };
  writeFileSync(file, JSON.stringify(jwk, null, 2), { mode: 0o600, flag: 'wx' });
  return jwk;
}

/**
 * The local stack's HMAC key for open-data API keys (`open-data-keys.secret`: 32 random bytes,
 * base64url), KMS's HMAC key's stand-in; and the key that seals webhook signing secrets
 * (`webhook-secrets.secret`, WEBHOOK_SECRET_KEY's stand-in). Created on first use with mode 0600; kept, so keys issued
 * earlier can still be shown again to their owners after a restart.
 */
export function ensureLocalSecret(name: 'open-data-keys' | 'webhook-secrets', dir = localKeyDir()): void {
  const file = join(dir, `${name}.secret`);
  if (existsSync(file)) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
  } catch (e) {
    // Another process created it first: theirs is the key.
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

export interface TokenClaims {
  role: Role;
  dept?: string;
  window?: string;
  sub?: string;
  /** jose duration, e.g. '8h'. */
  expiresIn?: string;
}

export async function issueLocalToken(claims: TokenClaims, dir = localKeyDir()): Promise<string> {
  const jwk = await ensureLocalKey('auth', dir);
  const key = await importJWK(jwk, 'ES256');
  const { expiresIn = '8h', sub, ...rest } = claims;
  const payload = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid: jwk.kid })
    .setSubject(
      sub ?? `${claims.role}${claims.dept ? `:${claims.dept}` : ''}${claims.window ? `:${claims.window}` : ''}`,
    )
    .setIssuer(config().auth.issuer)
    .setAudience(config().auth.audience)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(key);
}
