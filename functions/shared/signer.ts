import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import type { JWK, JSONWebKeySet } from 'jose';
import { createHash, createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { localKeyDir } from './localKeyDir';

/**
 * The signing port for receipts and day proofs: compact JWS, ES256, `kid` in the header.
 * - LocalKeySigner: the local stack's key file (`receipt-signing.jwk.json` under LOCAL_KEY_DIR).
 * - KmsSigner: an AWS KMS asymmetric key (ECC_NIST_P256, SIGN_VERIFY) when `SIGNING_KMS_KEY_ID` is set;
 *   the private key never leaves KMS.
 * Anyone verifies offline against `jwks()` (published at /v1/.well-known/jwks.json), with any JOSE
 * library (the tests verify with `jose`).
 *
 * Signing, verifying and the KMS key's JWK use node:crypto only, not `jose`: ES256 is the one
 * algorithm, fixed, and these modules load in the payments, ledger and finance functions, where jose
 * cost cold-start CPU (docs/benchmarks.md, "Cold start"; ADR 0009).
 */
export interface Signer {
  sign(payload: object): Promise<string>;
  jwks(): Promise<JSONWebKeySet>;
}

const b64url = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');

/** Strict base64url (RFC 7515 §2): only the alphabet, no padding, canonical trailing bits; else throws. */
function fromB64url(s: string): Buffer {
  const b = Buffer.from(s, 'base64url');
  if (!/^[A-Za-z0-9_-]*$/.test(s) || b.toString('base64url') !== s) throw new Error('not base64url');
  return b;
}

/** RFC 7638 JWK thumbprint of an EC public key: SHA-256 over the required members in lexical order. */
export function ecThumbprint(jwk: Pick<JWK, 'crv' | 'kty' | 'x' | 'y'>): string {
  return createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest('base64url');
}

class LocalKeySigner implements Signer {
  private readonly jwk: JWK;
  private readonly key: KeyObject;
  private readonly header: string;
  constructor(file: string) {
    this.jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
    this.key = createPrivateKey({ key: this.jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    this.header = b64url(JSON.stringify({ alg: 'ES256', kid: this.jwk.kid, typ: 'JWT' }));
  }
  /**
   * ES256 with node:crypto, synchronously (IEEE P1363 r||s is exactly JWS's encoding): WebCrypto would
   * hop to the thread pool for a signature that takes microseconds.
   */
  async sign(payload: object): Promise<string> {
    const signingInput = `${this.header}.${b64url(JSON.stringify(payload))}`;
    const signature = cryptoSign('sha256', Buffer.from(signingInput), { key: this.key, dsaEncoding: 'ieee-p1363' });
    return `${signingInput}.${b64url(signature)}`;
  }
  async jwks(): Promise<JSONWebKeySet> {
    const { d: _d, ...pub } = this.jwk;
    return { keys: [{ ...pub, alg: 'ES256', use: 'sig' }] };
  }
}

/** The published JWK of a P-256 public key in DER SPKI (what KMS GetPublicKey returns), kid = its thumbprint. */
export function publicJwkFromSpki(der: Uint8Array): JWK {
  const { kty, crv, x, y } = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }).export({ format: 'jwk' });
  if (kty !== 'EC' || crv !== 'P-256') throw new Error('the signing key is not ECC_NIST_P256');
  const jwk = { kty, crv, x, y };
  return { ...jwk, alg: 'ES256', use: 'sig', kid: ecThumbprint(jwk) };
}

/** DER ECDSA signature (what KMS returns) → JOSE raw r||s (64 bytes for P-256). */
export function derToJose(der: Uint8Array): Buffer {
  const buf = Buffer.from(der);
  let offset = 2;
  if (buf[1]! & 0x80) offset += buf[1]! & 0x7f;
  const read = () => {
    if (buf[offset] !== 0x02) throw new Error('bad DER signature');
    const len = buf[offset + 1]!;
    let int = buf.subarray(offset + 2, offset + 2 + len);
    offset += 2 + len;
    while (int.length > 32 && int[0] === 0) int = int.subarray(1);
    return Buffer.concat([Buffer.alloc(32 - int.length), int]);
  };
  return Buffer.concat([read(), read()]);
}

class KmsSigner implements Signer {
  private readonly kms = new KMSClient({});
  private publicJwk?: Promise<JWK>;
  constructor(private readonly keyId: string) {}

  private key(): Promise<JWK> {
    this.publicJwk ??= (async () => {
      const r = await this.kms.send(new GetPublicKeyCommand({ KeyId: this.keyId }));
      return publicJwkFromSpki(r.PublicKey!);
    })();
    return this.publicJwk;
  }

  async sign(payload: object): Promise<string> {
    const { kid } = await this.key();
    const signingInput = `${b64url(JSON.stringify({ alg: 'ES256', kid, typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}`;
    const digest = createHash('sha256').update(signingInput).digest();
    const r = await this.kms.send(new SignCommand({ KeyId: this.keyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }));
    return `${signingInput}.${b64url(derToJose(r.Signature!))}`;
  }

  async jwks(): Promise<JSONWebKeySet> {
    return { keys: [await this.key()] };
  }
}

let instance: { signer: Signer; id: string } | undefined;

export function signer(): Signer {
  const kmsKey = process.env.SIGNING_KMS_KEY_ID;
  const id = kmsKey ?? localKeyDir();
  if (instance?.id !== id) instance = { id, signer: kmsKey ? new KmsSigner(kmsKey) : new LocalKeySigner(join(localKeyDir(), 'receipt-signing.jwk.json')) };
  return instance.signer;
}

/**
 * Verifies a compact JWS against the published keys; returns the payload or undefined if invalid.
 * Accepts exactly what we sign: ES256 (the header's alg is checked, never trusted to choose), no
 * `crit` extensions, strict base64url, a 64-byte r||s signature by a P-256 key of the set (the one
 * named by `kid` when the header names one).
 */
export async function verifySigned<T = unknown>(jws: string, jwks?: JSONWebKeySet): Promise<T | undefined> {
  try {
    const parts = jws.split('.');
    if (parts.length !== 3) return undefined;
    const [h, p, s] = parts as [string, string, string];
    const header = JSON.parse(fromB64url(h).toString('utf8')) as Record<string, unknown> | null;
    if (!header || typeof header !== 'object' || header.alg !== 'ES256' || 'crit' in header || 'b64' in header) return undefined;
    const signature = fromB64url(s);
    const payload = fromB64url(p);
    if (signature.length !== 64) return undefined;
    const candidates = (jwks ?? (await signer().jwks())).keys.filter(
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
      if (cryptoVerify('sha256', signingInput, { key, dsaEncoding: 'ieee-p1363' }, signature)) return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload)) as T;
    }
    return undefined;
  } catch {
    return undefined;
  }
}
