import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { calculateJwkThumbprint, compactVerify, createLocalJWKSet, exportJWK, importSPKI, type JWK, type JSONWebKeySet } from 'jose';
import { createHash, createPrivateKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { localKeyDir } from './auth';

/**
 * The signing port for receipts and day proofs: compact JWS, ES256, `kid` in the header.
 * - LocalKeySigner: the local stack's key file (`receipt-signing.jwk.json` under LOCAL_KEY_DIR).
 * - KmsSigner: an AWS KMS asymmetric key (ECC_NIST_P256, SIGN_VERIFY) when `SIGNING_KMS_KEY_ID` is set;
 *   the private key never leaves KMS.
 * Anyone verifies offline against `jwks()` (published at /v1/.well-known/jwks.json).
 */
export interface Signer {
  sign(payload: object): Promise<string>;
  jwks(): Promise<JSONWebKeySet>;
}

const b64url = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');

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
      const pem = `-----BEGIN PUBLIC KEY-----\n${Buffer.from(r.PublicKey!).toString('base64')}\n-----END PUBLIC KEY-----`;
      const jwk = await exportJWK(await importSPKI(pem, 'ES256', { extractable: true }));
      return { ...jwk, alg: 'ES256', use: 'sig', kid: await calculateJwkThumbprint(jwk) };
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

/** Verifies a compact JWS against the published keys; returns the payload or undefined if invalid. */
export async function verifySigned<T = unknown>(jws: string, jwks?: JSONWebKeySet): Promise<T | undefined> {
  try {
    const keys = createLocalJWKSet(jwks ?? (await signer().jwks()));
    const { payload } = await compactVerify(jws, keys, { algorithms: ['ES256'] });
    return JSON.parse(new TextDecoder().decode(payload)) as T;
  } catch {
    return undefined;
  }
}
