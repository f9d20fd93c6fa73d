import { createRemoteJWKSet, importJWK, jwtVerify, type JWK, type JWTVerifyGetKey } from 'jose';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { ROLES } from '../../infra/routes';
import { localKeyDir } from './localKeyDir';

export { ANONYMOUS, principalFromContext, principalToContext, type Principal } from './principal';
import type { Principal } from './principal';

export const authIssuer = (): string => process.env.AUTH_ISSUER ?? 'https://auth.one-window.local';
export const authAudience = (): string => process.env.AUTH_AUDIENCE ?? 'one-window-api';

const nonEmpty = () => z.string().check(z.minLength(1));
const claimsSchema = z
  .object({
    sub: nonEmpty(),
    exp: z.number(),
    role: z.enum(ROLES),
    dept: z.optional(nonEmpty()),
    window: z.optional(nonEmpty()),
  })
  .check(
    z.refine((c) => c.role !== 'department' || c.dept, { message: 'a department token carries dept' }),
    z.refine((c) => c.role !== 'clerk' || c.window, { message: 'a clerk token carries window' }),
  );

type VerifyKey = JWTVerifyGetKey | Awaited<ReturnType<typeof importJWK>>;
let keySource: { key: VerifyKey; id: string } | undefined;

/**
 * The verification key: the identity provider's JWKS when deployed (`AUTH_JWKS_URL`), otherwise the
 * public half of the local stack's key file.
 */
async function verificationKey(): Promise<VerifyKey> {
  const jwksUrl = process.env.AUTH_JWKS_URL;
  const id = jwksUrl ?? localKeyDir();
  if (keySource?.id === id) return keySource.key;
  let key: VerifyKey;
  if (jwksUrl) key = createRemoteJWKSet(new URL(jwksUrl));
  else {
    const { d: _private, ...publicJwk } = JSON.parse(readFileSync(join(localKeyDir(), 'auth.jwk.json'), 'utf8')) as JWK;
    key = await importJWK(publicJwk, publicJwk.alg ?? 'ES256');
  }
  keySource = { key, id };
  return key;
}

/**
 * Tokens this process has verified, until their expiry (at most VERIFIED_TTL_MS): what API Gateway's
 * authorizer cache would do, per token. Saves an ECDSA verification on every request of a session.
 */
const VERIFIED_TTL_MS = 5 * 60 * 1000;
const VERIFIED_MAX = 1000;
const verified = new Map<string, { principal: Principal; untilMs: number; keyId: string }>();

/** Verifies signature, issuer, audience and expiry, then the claims' shape. Throws on any failure. */
export async function verifyToken(token: string): Promise<Principal> {
  const key = await verificationKey();
  const keyId = keySource!.id;
  const hit = verified.get(token);
  if (hit && hit.keyId === keyId && hit.untilMs > Date.now()) return hit.principal;
  const { payload } = await jwtVerify(token, key as Parameters<typeof jwtVerify>[1], {
    issuer: authIssuer(),
    audience: authAudience(),
    algorithms: ['ES256'],
    requiredClaims: ['exp', 'sub'],
  });
  const claims = claimsSchema.parse(payload);
  const principal: Principal = { role: claims.role, sub: claims.sub, dept: claims.dept, window: claims.window };
  if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
  verified.set(token, { principal, keyId, untilMs: Math.min(claims.exp * 1000, Date.now() + VERIFIED_TTL_MS) });
  return principal;
}
