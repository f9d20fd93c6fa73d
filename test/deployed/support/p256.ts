import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';

/**
 * ECDSA P-256 over a digest the caller already computed, as KMS `Sign` with `MessageType: DIGEST`
 * does. node:crypto always hashes the message it signs, so the local KMS stand-in does the curve
 * arithmetic itself (BigInt, affine coordinates: slow, but it signs a handful of receipts per run).
 * Its output is checked where it matters: the test verifies the receipts with `jose` against the
 * public key the stand-in returns from `GetPublicKey`.
 */
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const A = P - 3n;
const G = {
  x: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  y: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
};

type Point = { x: bigint; y: bigint } | null;

const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;

function pow(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

/** Modular inverse by Fermat's little theorem (both moduli are prime). */
const inv = (a: bigint, m: bigint) => pow(a, m - 2n, m);

function add(p: Point, q: Point): Point {
  if (!p) return q;
  if (!q) return p;
  if (p.x === q.x && mod(p.y + q.y, P) === 0n) return null;
  const slope =
    p.x === q.x && p.y === q.y
      ? mod((3n * p.x * p.x + A) * inv(2n * p.y, P), P)
      : mod((q.y - p.y) * inv(q.x - p.x, P), P);
  const x = mod(slope * slope - p.x - q.x, P);
  return { x, y: mod(slope * (p.x - x) - p.y, P) };
}

function multiply(k: bigint, point: Point): Point {
  let result: Point = null;
  let addend = point;
  for (let e = k; e > 0n; e >>= 1n) {
    if (e & 1n) result = add(result, addend);
    addend = add(addend, addend);
  }
  return result;
}

const toBigInt = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);

/** A DER INTEGER: big-endian, minimal, with a 0x00 in front when the high bit is set. */
function derInteger(n: bigint): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

export interface P256Key {
  publicKey: KeyObject;
  /** DER SubjectPublicKeyInfo: what KMS GetPublicKey returns. */
  spki: Buffer;
  /** DER ECDSA-Sig-Value of a 32-byte digest: what KMS Sign returns. */
  signDigest(digest: Uint8Array): Buffer;
}

export function generateP256Key(): P256Key {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const d = toBigInt(Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url'));
  return {
    publicKey,
    spki: publicKey.export({ format: 'der', type: 'spki' }),
    signDigest(digest) {
      if (digest.length !== 32) throw new Error('ECDSA_SHA_256 signs a 32-byte digest');
      const z = toBigInt(digest);
      for (;;) {
        const k = mod(toBigInt(randomBytes(32)), N - 1n) + 1n;
        const r = mod(multiply(k, G)!.x, N);
        const s = mod(inv(k, N) * (z + r * d), N);
        if (r === 0n || s === 0n) continue;
        const body = Buffer.concat([derInteger(r), derInteger(s)]);
        return Buffer.concat([Buffer.from([0x30, body.length]), body]);
      }
    },
  };
}
