import type { JSONWebKeySet } from 'jose';
import { createPublicKey, verify as cryptoVerify, type JsonWebKey } from 'node:crypto';

/**
 * The signing port for receipts and day proofs (compact JWS, ES256, `kid` and `typ` in the header), and
 * the offline verification anyone can do with the published key set. Implementations: ../adapters/signer.ts.
 */
export interface Signer {
  sign(payload: object): Promise<string>;
  jwks(): Promise<JSONWebKeySet>;
}

/**
 * What we sign. Each kind has its own key and its own explicit JWS type (RFC 8725 §3.11), so a
 * verifier of one kind refuses the other even if it were handed both keys: a day proof is never
 * taken for a receipt, nor a receipt for a day proof.
 */
export type SignedKind = 'receipt' | 'dayProof';
export const JWS_TYPE = { receipt: 'receipt+jwt', dayProof: 'day-proof+jwt' } as const satisfies Record<
  SignedKind,
  string
>;
/** The JWS type of a certificate for a short-lived receipt key, signed by the published key (ADR 0013). */
export const KEY_CERT_TYPE = 'receipt-key+jwt';
export type JwsType = (typeof JWS_TYPE)[SignedKind] | typeof KEY_CERT_TYPE;

/**
 * The payload of a key certificate: the short-lived public key, the one JWS type it may sign, and its
 * validity in epoch seconds. A JWS signed with it carries the certificate (`cert`) and its signing
 * time (`iat`, epoch seconds) in its protected header.
 */
export interface KeyCertificate {
  jwk: { kty: string; crv: string; x: string; y: string; kid: string };
  typ: JwsType;
  nbf: number;
  exp: number;
}

/** RFC 7515 §4.1.9: `typ` is a media type, compared case-insensitively, its `application/` prefix optional. */
const normalType = (typ: unknown): string | undefined =>
  typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : undefined;

export const b64url = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');

/** Strict base64url (RFC 7515 §2): only the alphabet, no padding, canonical trailing bits; else throws. */
function fromB64url(s: string): Buffer {
  const b = Buffer.from(s, 'base64url');
  if (!/^[A-Za-z0-9_-]*$/.test(s) || b.toString('base64url') !== s) throw new Error('not base64url');
  return b;
}

/**
 * Verifies a compact JWS against the published keys; returns the payload or undefined if invalid.
 * Accepts exactly what we sign: ES256 (the header's alg is checked, never trusted to choose), the
 * expected `typ` (a receipt verifier refuses a day proof and the reverse), no `crit` extensions,
 * strict base64url, a 64-byte r||s signature by a P-256 key of the set (the one named by `kid` when
 * the header names one).
 */
export function verifySigned<T = unknown>(jws: string, jwks: JSONWebKeySet, typ: JwsType): T | undefined {
  try {
    const parts = jws.split('.');
    if (parts.length !== 3) return undefined;
    const [h, p, s] = parts as [string, string, string];
    const header = JSON.parse(fromB64url(h).toString('utf8')) as Record<string, unknown> | null;
    if (!header || typeof header !== 'object' || header.alg !== 'ES256' || 'crit' in header || 'b64' in header)
      return undefined;
    if (normalType(header.typ) !== typ) return undefined;
    const keys = header.cert === undefined ? jwks : certifiedKeys(header, jwks, typ);
    if (!keys) return undefined;
    const signature = fromB64url(s);
    const payload = fromB64url(p);
    if (signature.length !== 64) return undefined;
    const candidates = keys.keys.filter(
      (k) =>
        k.kty === 'EC' &&
        k.crv === 'P-256' &&
        (k.alg === undefined || k.alg === 'ES256') &&
        (k.use === undefined || k.use === 'sig') &&
        (header.kid === undefined || k.kid === header.kid),
    );
    const signingInput = Buffer.from(`${h}.${p}`);
    for (const k of candidates) {
      const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: k.x, y: k.y } as JsonWebKey, format: 'jwk' });
      if (cryptoVerify('sha256', signingInput, { key, dsaEncoding: 'ieee-p1363' }, signature))
        return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload)) as T;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/**
 * The short-lived key a JWS header's certificate vouches for (ADR 0013), as a key set of one; undefined
 * unless the certificate verifies against the published keys, certifies keys for this JWS type, and
 * its validity holds the JWS's signing time (`iat`): a key outside its validity verifies nothing.
 */
function certifiedKeys(header: Record<string, unknown>, jwks: JSONWebKeySet, typ: JwsType): JSONWebKeySet | undefined {
  if (typ === KEY_CERT_TYPE || typeof header.cert !== 'string' || typeof header.iat !== 'number') return undefined;
  const cert = verifySigned<KeyCertificate>(header.cert, jwks, KEY_CERT_TYPE);
  if (!cert || cert.typ !== typ || typeof cert.nbf !== 'number' || typeof cert.exp !== 'number') return undefined;
  if (header.iat < cert.nbf || header.iat > cert.exp || header.kid !== cert.jwk?.kid) return undefined;
  return { keys: [{ ...cert.jwk, alg: 'ES256', use: 'sig' }] };
}
