import {
  calculateJwkThumbprint,
  CompactSign,
  compactVerify,
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  importSPKI,
  type JWK,
} from 'jose';
import { createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { derToJose, ecThumbprint, publicJwkFromSpki } from '../../../functions/shared/adapters/signer';
import { checkDay, rootOfDay, signDayProof } from '../../../functions/ledger/domain/dayProof';
import type { LedgerTransaction } from '../../../functions/ledger/domain/ledger';
import { config } from '../../../functions/shared/config';
import { JWS_TYPE, verifySigned } from '../../../functions/shared/domain/signing';
import { theSigner } from '../../../functions/shared/wiring';

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
  key: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'] | Uint8Array,
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
    // typ is a media type: case-insensitive, `application/` optional (RFC 7515 §4.1.9).
    for (const header of [
      { kid: 'k1', typ: 'receipt+jwt' },
      { typ: 'receipt+jwt' },
      { typ: 'application/Receipt+JWT' },
    ]) {
      const jws = await joseSign({ a: 1, 名: '张*' }, privateKey, header);
      expect(await verifySigned(jws, jwks, JWS_TYPE.receipt)).toEqual({ a: 1, 名: '张*' });
      await expect(compactVerify(jws, createLocalJWKSet(jwks), { algorithms: ['ES256'] })).resolves.toBeDefined();
    }
  });

  it('refuses what jose refuses: other keys, other algorithms, crit, altered bytes, loose base64url, DER signatures', async () => {
    const { privateKey, jwks } = await keyPair();
    const other = await keyPair('k1');
    const good = await joseSign({ total: 100 }, privateKey, { kid: 'k1', typ: 'receipt+jwt' });
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
      await joseSign({ total: 100 }, other.privateKey, { kid: 'k1', typ: 'receipt+jwt' }), // another key under our kid
      `${h}.${enc({ total: 101 })}.${s}`, // altered payload
      `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`, // altered signature
      `${enc({ alg: 'ES256', kid: 'k1', typ: 'JOSE' })}.${p}.${s}`, // altered header
      signWith({ alg: 'ES256', kid: 'other', typ: 'receipt+jwt' }), // a kid we do not publish
      signWith({ alg: 'HS256', kid: 'k1', typ: 'receipt+jwt' }), // the header may not choose the algorithm
      signWith({ alg: 'none', typ: 'receipt+jwt' }),
      signWith({ alg: 'ES256', kid: 'k1', typ: 'receipt+jwt', crit: ['exp'], exp: 1 }), // an extension we do not understand
      `${h}.${p}.${s}=`, // padding
      `${h}.${p}.${s.slice(0, 10)}+${s.slice(11)}`, // base64, not base64url
      `${h}.${p}.${der.toString('base64url')}`, // DER, not r||s
      `${h}.${p}`,
      `${h}.${p}.${s}.x`,
      'garbage',
      '',
    ];
    for (const jws of refused) {
      expect(await verifySigned(jws, jwks, JWS_TYPE.receipt), jws).toBeUndefined();
      await expect(compactVerify(jws, createLocalJWKSet(jwks), { algorithms: ['ES256'] }), jws).rejects.toThrow();
    }
    // Stricter than jose: the same signature bytes under another spelling (padding bits set in the
    // last character) are refused, so one receipt has exactly one valid JWS.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const nonCanonical = `${s.slice(0, -1)}${alphabet[alphabet.indexOf(s.at(-1)!) + 1]}`;
    expect(Buffer.from(nonCanonical, 'base64url').equals(raw)).toBe(true);
    expect(await verifySigned(`${h}.${p}.${nonCanonical}`, jwks, JWS_TYPE.receipt)).toBeUndefined();
    expect(await verifySigned(good, jwks, JWS_TYPE.receipt)).toEqual({ total: 100 });
  });
});

describe('receipts and day proofs: each kind its own key and its own explicit type (RFC 8725 §3.11)', () => {
  it('refuses a JWS whose typ is missing, generic or of the other kind, though the key is right', async () => {
    const { privateKey, jwks } = await keyPair();
    for (const header of [{}, { typ: 'JWT' }, { typ: 'JOSE' }, { typ: 'day-proof+jwt' }, { typ: ['receipt+jwt'] }]) {
      const jws = await joseSign({ total: 100 }, privateKey, { kid: 'k1', ...header });
      expect(verifySigned(jws, jwks, JWS_TYPE.receipt), JSON.stringify(header)).toBeUndefined();
    }
  });

  it('signs receipts and day proofs with different keys and types; neither verifies as the other', async () => {
    const receipt = await theSigner('receipt').sign({ receiptNo: '1', total: 100 });
    const proof = await theSigner('dayProof').sign({ date: '2026-03-01', root: 'ab', count: 1 });
    expect(decodeProtectedHeader(receipt).typ).toBe('receipt+jwt');
    expect(decodeProtectedHeader(proof).typ).toBe('day-proof+jwt');
    expect(decodeProtectedHeader(receipt).kid).not.toBe(decodeProtectedHeader(proof).kid);
    const receiptKeys = await theSigner('receipt').jwks();
    const dayProofKeys = await theSigner('dayProof').jwks();
    expect(receiptKeys.keys.map((k) => k.kid)).toEqual([decodeProtectedHeader(receipt).kid]);
    expect(dayProofKeys.keys.map((k) => k.kid)).toEqual([decodeProtectedHeader(proof).kid]);
    expect(verifySigned(receipt, receiptKeys, JWS_TYPE.receipt)).toEqual({ receiptNo: '1', total: 100 });
    expect(verifySigned(proof, dayProofKeys, JWS_TYPE.dayProof)).toEqual({ date: '2026-03-01', root: 'ab', count: 1 });
    // Refused by the key…
    expect(verifySigned(proof, receiptKeys, JWS_TYPE.dayProof)).toBeUndefined();
    expect(verifySigned(receipt, dayProofKeys, JWS_TYPE.receipt)).toBeUndefined();
    // … and by the type, even by a verifier that holds both key sets.
    const both = { keys: [...receiptKeys.keys, ...dayProofKeys.keys] };
    expect(verifySigned(proof, both, JWS_TYPE.receipt)).toBeUndefined();
    expect(verifySigned(receipt, both, JWS_TYPE.dayProof)).toBeUndefined();
  });

  it('a receipt key cannot make a day proof: a proof signed by it, whatever its header says, does not check', async () => {
    const txs: LedgerTransaction[] = [];
    const payload = { date: '2026-03-01', root: rootOfDay(txs).root, count: 0 };
    const receiptKey = JSON.parse(readFileSync(join(config().localKeyDir, 'receipt-signing.jwk.json'), 'utf8')) as JWK;
    const forged = await joseSign(payload, await importJWK(receiptKey, 'ES256'), {
      kid: receiptKey.kid,
      typ: 'day-proof+jwt',
    });
    const genuine = await signDayProof('2026-03-01', txs, (p) => theSigner('dayProof').sign(p));
    const dayProofKeys = await theSigner('dayProof').jwks();
    expect(checkDay(genuine, txs, dayProofKeys).ok).toBe(true);
    expect(checkDay({ ...payload, signature: forged }, txs, dayProofKeys)).toMatchObject({
      ok: false,
      problems: [expect.stringContaining('signature')],
    });
  });
});
