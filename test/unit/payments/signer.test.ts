import {
  calculateJwkThumbprint,
  CompactSign,
  compactVerify,
  createLocalJWKSet,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importSPKI,
  type JWK,
} from 'jose';
import { createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { derToJose, ecThumbprint, publicJwkFromSpki } from '../../../functions/shared/adapters/signer';
import { verifySigned } from '../../../functions/shared/domain/signing';

/**
 * The signer uses node:crypto, not jose (cold start, ADR 0009); these tests hold it to what jose does:
 * the same thumbprints and JWKs, and verification that accepts what jose signs and refuses what jose refuses.
 */
async function keyPair(kid = 'k1') {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const pub = { ...(await exportJWK(publicKey)), alg: 'ES256', use: 'sig', kid };
  return { publicKey, privateKey, jwks: { keys: [pub] }, pub };
}
const enc = (o: unknown) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');
const joseSign = (
  payload: object,
  key: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'],
  header: Record<string, unknown>,
) =>
  new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ES256', ...header })
    .sign(key);

describe('signer (node:crypto, checked against jose)', () => {
  it('computes RFC 7638 thumbprints and KMS-style SPKI JWKs as jose does', async () => {
    const { publicKey } = await keyPair();
    const jwk = await exportJWK(publicKey);
    expect(ecThumbprint(jwk)).toBe(await calculateJwkThumbprint(jwk));
    const spkiPem = await exportSPKI(publicKey);
    const der = Buffer.from(spkiPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const fromSpki = publicJwkFromSpki(der);
    expect(fromSpki).toEqual({
      ...(await exportJWK(await importSPKI(spkiPem, 'ES256', { extractable: true }))),
      alg: 'ES256',
      use: 'sig',
      kid: await calculateJwkThumbprint(jwk),
    });
  });

  it('accepts an ES256 JWS that jose signed, by kid or without one; jose accepts what it accepts', async () => {
    const { privateKey, jwks } = await keyPair();
    for (const header of [{ kid: 'k1' }, {}]) {
      const jws = await joseSign({ a: 1, 名: '张*' }, privateKey, header);
      expect(await verifySigned(jws, jwks)).toEqual({ a: 1, 名: '张*' });
      await expect(compactVerify(jws, createLocalJWKSet(jwks), { algorithms: ['ES256'] })).resolves.toBeDefined();
    }
  });

  it('refuses what jose refuses: other keys, other algorithms, crit, altered bytes, loose base64url, DER signatures', async () => {
    const { privateKey, jwks } = await keyPair();
    const other = await keyPair('k1');
    const good = await joseSign({ total: 100 }, privateKey, { kid: 'k1' });
    const [h, p, s] = good.split('.') as [string, string, string];
    const raw = Buffer.from(s, 'base64url');
    const der = (() => {
      const int = (b: Buffer) => (b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
      const [r, sv] = [int(raw.subarray(0, 32)), int(raw.subarray(32))];
      const body = Buffer.concat([Buffer.from([2, r.length]), r, Buffer.from([2, sv.length]), sv]);
      return Buffer.concat([Buffer.from([0x30, body.length]), body]);
    })();
    expect(derToJose(der).equals(raw)).toBe(true);
    const pem = createPrivateKey({
      key: (await exportJWK(privateKey)) as JWK as import('node:crypto').JsonWebKey,
      format: 'jwk',
    });
    const signWith = (header: object, payload = p) => {
      const input = `${enc(header)}.${payload}`;
      return `${input}.${cryptoSign('sha256', Buffer.from(input), { key: pem, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
    };
    const refused = [
      await joseSign({ total: 100 }, other.privateKey, { kid: 'k1' }), // another key under our kid
      `${h}.${enc({ total: 101 })}.${s}`, // altered payload
      `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`, // altered signature
      `${enc({ alg: 'ES256', kid: 'k1', typ: 'JOSE' })}.${p}.${s}`, // altered header
      signWith({ alg: 'ES256', kid: 'other' }), // a kid we do not publish
      signWith({ alg: 'HS256', kid: 'k1' }), // the header may not choose the algorithm
      signWith({ alg: 'none' }),
      signWith({ alg: 'ES256', kid: 'k1', crit: ['exp'], exp: 1 }), // an extension we do not understand
      `${h}.${p}.${s}=`, // padding
      `${h}.${p}.${s.slice(0, 10)}+${s.slice(11)}`, // base64, not base64url
      `${h}.${p}.${der.toString('base64url')}`, // DER, not r||s
      `${h}.${p}`,
      `${h}.${p}.${s}.x`,
      'garbage',
      '',
    ];
    for (const jws of refused) {
      expect(await verifySigned(jws, jwks), jws).toBeUndefined();
      await expect(compactVerify(jws, createLocalJWKSet(jwks), { algorithms: ['ES256'] }), jws).rejects.toThrow();
    }
    // Stricter than jose: the same signature bytes under another spelling (padding bits set in the
    // last character) are refused, so one receipt has exactly one valid JWS.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const nonCanonical = `${s.slice(0, -1)}${alphabet[alphabet.indexOf(s.at(-1)!) + 1]}`;
    expect(Buffer.from(nonCanonical, 'base64url').equals(raw)).toBe(true);
    expect(await verifySigned(`${h}.${p}.${nonCanonical}`, jwks)).toBeUndefined();
    expect(await verifySigned(good, jwks)).toEqual({ total: 100 });
  });
});
