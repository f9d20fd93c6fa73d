import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import type { JWK, JSONWebKeySet } from 'jose';
import { createHash, createPrivateKey, createPublicKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { b64url, JWS_TYPE, type JwsType, type SignedKind, type Signer } from '../domain/signing';

/**
 * The signers of receipts and day proofs (the port is in ../domain/signing.ts), one key and one JWS
 * `typ` per kind:
 * - LocalKeySigner: the local stack's key file (`receipt-signing.jwk.json` or
 *   `day-proof-signing.jwk.json` under LOCAL_KEY_DIR).
 * - KmsSigner: an AWS KMS asymmetric key (ECC_NIST_P256, SIGN_VERIFY) when its key id is configured
 *   (`SIGNING_KMS_KEY_ID` for receipts, `DAY_PROOF_KMS_KEY_ID` for day proofs); the private key never
 *   leaves KMS.
 * Anyone verifies offline against `jwks()` (published at /v1/.well-known/jwks.json), with any JOSE
 * library (the tests verify with `jose`).
 *
 * Signing, verifying and the KMS key's JWK use node:crypto only, not `jose`: ES256 is the one
 * algorithm, fixed, and these modules load in the payments, ledger and finance functions, where jose
 * cost cold-start CPU (docs/benchmarks.md, "Cold start"; ADR 0009).
 */
/** RFC 7638 JWK thumbprint of an EC public key: SHA-256 over the required members in lexical order. */
export function ecThumbprint(jwk: Pick<JWK, 'crv' | 'kty' | 'x' | 'y'>): string {
  return createHash('sha256')
    .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))
    .digest('base64url');
}

class LocalKeySigner implements Signer {
  private readonly jwk: JWK;
  private readonly key: KeyObject;
  private readonly header: string;
  constructor(file: string, typ: JwsType) {
    this.jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
    this.key = createPrivateKey({ key: this.jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    this.header = b64url(JSON.stringify({ alg: 'ES256', kid: this.jwk.kid, typ }));
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
  const { kty, crv, x, y } = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }).export({
    format: 'jwk',
  });
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
  constructor(
    private readonly keyId: string,
    private readonly typ: JwsType,
  ) {}

  private key(): Promise<JWK> {
    this.publicJwk ??= (async () => {
      const r = await this.kms.send(new GetPublicKeyCommand({ KeyId: this.keyId }));
      return publicJwkFromSpki(r.PublicKey!);
    })();
    return this.publicJwk;
  }

  async sign(payload: object): Promise<string> {
    const { kid } = await this.key();
    const signingInput = `${b64url(JSON.stringify({ alg: 'ES256', kid, typ: this.typ }))}.${b64url(JSON.stringify(payload))}`;
    const digest = createHash('sha256').update(signingInput).digest();
    const r = await this.kms.send(
      new SignCommand({ KeyId: this.keyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }),
    );
    return `${signingInput}.${b64url(derToJose(r.Signature!))}`;
  }

  async jwks(): Promise<JSONWebKeySet> {
    return { keys: [await this.key()] };
  }
}

/** The local stack's key file of each kind (infra/local/keys.ts creates them). */
const LOCAL_KEY_FILES = {
  receipt: 'receipt-signing.jwk.json',
  dayProof: 'day-proof-signing.jwk.json',
} as const satisfies Record<SignedKind, string>;

/** The kind's KMS key when deployed, else the local stack's key file of that kind. */
export function createSigner(opts: {
  kind: SignedKind;
  kmsKeyId?: string;
  localKeyDir: string;
  /** The JWS type it signs, if not the kind's own: KEY_CERT_TYPE for the root of short-lived receipt keys. */
  typ?: JwsType;
}): Signer {
  const typ = opts.typ ?? JWS_TYPE[opts.kind];
  return opts.kmsKeyId
    ? new KmsSigner(opts.kmsKeyId, typ)
    : new LocalKeySigner(join(opts.localKeyDir, LOCAL_KEY_FILES[opts.kind]), typ);
}
