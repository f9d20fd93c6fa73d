import { createLocalJWKSet, decodeProtectedHeader, importJWK, jwtVerify, type JSONWebKeySet, type JWK } from 'jose';

/**
 * How anyone verifies a receipt offline with a standard JOSE library (jose) and the published keys
 * (docs/API.md "Receipts", docs/adr/0013): a receipt signed by a short-lived key carries that key's
 * certificate (`cert`, a JWS by a published key, `typ: receipt-key+jwt`) and its signing time (`iat`)
 * in its header. Verify the certificate as of the signing time, then the receipt with the key it
 * certifies. A receipt without a certificate (the local stack's key file) verifies directly.
 */
export async function verifyReceiptWithJose(jws: string, jwks: JSONWebKeySet) {
  const published = createLocalJWKSet(jwks);
  const header = decodeProtectedHeader(jws);
  if (header.cert === undefined) return jwtVerify(jws, published, { typ: 'receipt+jwt', algorithms: ['ES256'] });
  if (typeof header.cert !== 'string' || typeof header.iat !== 'number') throw new Error('malformed certificate');
  const { payload: cert } = await jwtVerify<{ jwk: JWK; typ: string }>(header.cert, published, {
    typ: 'receipt-key+jwt',
    algorithms: ['ES256'],
    currentDate: new Date(header.iat * 1000),
  });
  if (cert.typ !== 'receipt+jwt' || cert.jwk.kid !== header.kid) throw new Error('certificate is for another key');
  return jwtVerify(jws, await importJWK(cert.jwk, 'ES256'), { typ: 'receipt+jwt', algorithms: ['ES256'] });
}
