import { createRemoteJWKSet, importJWK, jwtVerify, type JWK, type JWTVerifyGetKey } from 'jose';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { ROLES } from '../../../schemas/routes';
import type { Principal } from '../../shared/domain/principal';

/** Where tokens come from: the identity provider's JWKS when deployed, else the local stack's key file. */
export interface TokenSettings {
  issuer: string;
  audience: string;
  jwksUrl?: string;
  localKeyDir: string;
  /**
   * Local only: the local OpenID Provider's issuer. It signs with the same key file as `npm run token`,
   * so without a JWKS URL both issuers are trusted; with one (deployed) only `issuer` is.
   */
  localOidcIssuer?: string;
}

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

/**
 * Tokens this process has verified, until their expiry (at most VERIFIED_TTL_MS): what API Gateway's
 * authorizer cache would do, per token. Saves an ECDSA verification on every request of a session.
 */
const VERIFIED_TTL_MS = 5 * 60 * 1000;
const VERIFIED_MAX = 1000;

export class TokenVerifier {
  private key?: Promise<VerifyKey>;
  private readonly verified = new Map<string, { principal: Principal; untilMs: number }>();

  constructor(private readonly settings: TokenSettings) {}

  private verificationKey(): Promise<VerifyKey> {
    const { jwksUrl, localKeyDir } = this.settings;
    this.key ??= jwksUrl
      ? Promise.resolve(createRemoteJWKSet(new URL(jwksUrl)))
      : (async () => {
          const file = join(localKeyDir, 'auth.jwk.json');
          const { d: _private, ...publicJwk } = JSON.parse(readFileSync(file, 'utf8')) as JWK;
          return importJWK(publicJwk, publicJwk.alg ?? 'ES256');
        })();
    return this.key;
  }

  /** Verifies signature, issuer, audience and expiry, then the claims' shape. Throws on any failure. */
  async verify(token: string): Promise<Principal> {
    const key = await this.verificationKey();
    const hit = this.verified.get(token);
    if (hit && hit.untilMs > Date.now()) return hit.principal;
    const { issuer, jwksUrl, localOidcIssuer } = this.settings;
    const { payload } = await jwtVerify(token, key as Parameters<typeof jwtVerify>[1], {
      issuer: !jwksUrl && localOidcIssuer ? [issuer, localOidcIssuer] : issuer,
      audience: this.settings.audience,
      algorithms: ['ES256'],
      requiredClaims: ['exp', 'sub'],
    });
    const claims = claimsSchema.parse(payload);
    const principal: Principal = { role: claims.role, sub: claims.sub, dept: claims.dept, window: claims.window };
    if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value!);
    const untilMs = Math.min(claims.exp * 1000, Date.now() + VERIFIED_TTL_MS);
    this.verified.set(token, { principal, untilMs });
    return principal;
  }
}
