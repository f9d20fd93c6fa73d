import { CompactSign, exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CertifiedKeySigner, ROTATE_AFTER_MS } from '../../../functions/shared/adapters/certifiedSigner';
import { ecThumbprint } from '../../../functions/shared/adapters/signer';
import { JWS_TYPE, KEY_CERT_TYPE, verifySigned, type Signer } from '../../../functions/shared/domain/signing';
import { verifyReceiptWithJose } from '../../support/receiptVerifier';

/**
 * Short-lived receipt keys certified by the published (KMS) key, ADR 0013. The root here is a jose
 * key standing in for KMS (what KMS does, sign a JWS, is what matters); every receipt is verified both
 * by our verifier and with jose the way docs/API.md tells third parties to.
 */
async function rootSigner() {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwks: JSONWebKeySet = { keys: [{ ...(await exportJWK(publicKey)), kid: 'kms', alg: 'ES256', use: 'sig' }] };
  const calls = { sign: 0 };
  const signAs = (payload: object, typ: string) =>
    new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: 'ES256', kid: 'kms', typ })
      .sign(privateKey);
  const root: Signer & { calls: typeof calls; signAs: typeof signAs } = {
    calls,
    signAs,
    async sign(payload: object) {
      calls.sign++;
      return signAs(payload, KEY_CERT_TYPE);
    },
    jwks: async () => jwks,
  };
  return root;
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const headerOf = (jws: string) =>
  JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;

/** A receipt signed by a key the root certified for [nbf, exp], with the given signing time. */
async function receiptWithCertificate(root: Signer, window: { nbf: number; exp: number; iat: number; typ?: string }) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  const kid = ecThumbprint({ kty, crv, x, y });
  const cert = await root.sign({ jwk: { kty, crv, x, y, kid }, typ: window.typ ?? JWS_TYPE.receipt, ...window });
  const input = `${b64({ alg: 'ES256', typ: JWS_TYPE.receipt, kid, cert, iat: window.iat })}.${b64({ receiptNo: 'R1' })}`;
  return `${input}.${cryptoSign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

describe('CertifiedKeySigner (no KMS call per receipt)', () => {
  it('signs receipts that verify offline, with our verifier and with jose, against the published root key only', async () => {
    const root = await rootSigner();
    const signer = new CertifiedKeySigner(root, JWS_TYPE.receipt);
    const jws = await signer.sign({ receiptNo: 'R1', total: 100 });
    const jwks = await signer.jwks();
    expect(jwks.keys.map((k) => k.kid)).toEqual(['kms']);
    expect(verifySigned(jws, jwks, JWS_TYPE.receipt)).toEqual({ receiptNo: 'R1', total: 100 });
    const { payload, protectedHeader } = await verifyReceiptWithJose(jws, jwks);
    expect(payload).toEqual({ receiptNo: 'R1', total: 100 });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'receipt+jwt' });
    // Another root's key set verifies nothing.
    const other = await (await rootSigner()).jwks();
    expect(verifySigned(jws, other, JWS_TYPE.receipt)).toBeUndefined();
    await expect(verifyReceiptWithJose(jws, other)).rejects.toThrow();
    // A certified receipt key signs receipts only: the same JWS is no day proof.
    expect(verifySigned(jws, jwks, JWS_TYPE.dayProof)).toBeUndefined();
  });

  it('asks the root once per rotation, not once per receipt, and rotates after its hour', async () => {
    const root = await rootSigner();
    let now = Date.parse('2026-03-31T09:00:00Z');
    const signer = new CertifiedKeySigner(root, JWS_TYPE.receipt, () => now);
    const first = await Promise.all(Array.from({ length: 50 }, (_, i) => signer.sign({ i })));
    expect(root.calls.sign).toBe(1);
    expect(new Set(first.map((j) => headerOf(j).kid)).size).toBe(1);
    now += ROTATE_AFTER_MS - 1;
    const last = await signer.sign({ i: 'last' });
    expect(headerOf(last).kid).toBe(headerOf(first[0]!).kid);
    now += 1;
    const rotated = await signer.sign({ i: 'rotated' });
    expect(root.calls.sign).toBe(2);
    expect(headerOf(rotated).kid).not.toBe(headerOf(first[0]!).kid);
    const jwks = await signer.jwks();
    for (const jws of [first[0]!, last, rotated]) {
      expect(verifySigned(jws, jwks, JWS_TYPE.receipt)).toBeDefined();
      await expect(verifyReceiptWithJose(jws, jwks)).resolves.toBeDefined();
    }
  });

  it('a failed certification is not remembered: the next receipt certifies again', async () => {
    const root = await rootSigner();
    const real = root.sign.bind(root);
    let fail = true;
    root.sign = async (p) => {
      if (fail) throw new Error('KMS throttled');
      return real(p);
    };
    const signer = new CertifiedKeySigner(root, JWS_TYPE.receipt);
    await expect(signer.sign({ a: 1 })).rejects.toThrow('KMS throttled');
    fail = false;
    expect(verifySigned(await signer.sign({ a: 1 }), await root.jwks(), JWS_TYPE.receipt)).toEqual({ a: 1 });
  });

  it('a key used outside its validity verifies nothing (a leaked key after its hour, or before it)', async () => {
    const root = await rootSigner();
    const jwks = await root.jwks();
    const nbf = 1_775_000_000;
    const exp = nbf + 3600;
    const inside = await receiptWithCertificate(root, { nbf, exp, iat: nbf + 10 });
    expect(verifySigned(inside, jwks, JWS_TYPE.receipt)).toEqual({ receiptNo: 'R1' });
    await expect(verifyReceiptWithJose(inside, jwks)).resolves.toBeDefined();
    for (const iat of [exp + 1, nbf - 1]) {
      const outside = await receiptWithCertificate(root, { nbf, exp, iat });
      expect(verifySigned(outside, jwks, JWS_TYPE.receipt)).toBeUndefined();
      await expect(verifyReceiptWithJose(outside, jwks)).rejects.toThrow();
    }
  });

  it('refuses a certificate for another JWS type, one not signed as a certificate, and a receipt without its signing time', async () => {
    const root = await rootSigner();
    const jwks = await root.jwks();
    const nbf = 1_775_000_000;
    const forDayProofs = await receiptWithCertificate(root, {
      nbf,
      exp: nbf + 3600,
      iat: nbf + 1,
      typ: JWS_TYPE.dayProof,
    });
    expect(verifySigned(forDayProofs, jwks, JWS_TYPE.receipt)).toBeUndefined();
    await expect(verifyReceiptWithJose(forDayProofs, jwks)).rejects.toThrow();
    // The root signing as a receipt (typ receipt+jwt) is not a certificate.
    const asReceipt = { ...root, sign: (payload: object) => root.signAs(payload, JWS_TYPE.receipt) };
    const notACertificate = await receiptWithCertificate(asReceipt, { nbf, exp: nbf + 3600, iat: nbf + 1 });
    expect(verifySigned(notACertificate, jwks, JWS_TYPE.receipt)).toBeUndefined();
    const [h, p, s] = (await receiptWithCertificate(root, { nbf, exp: nbf + 3600, iat: nbf + 1 })).split('.');
    const { iat: _iat, ...noTime } = JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, unknown>;
    expect(verifySigned(`${b64(noTime)}.${p}.${s}`, jwks, JWS_TYPE.receipt)).toBeUndefined();
  });
});
