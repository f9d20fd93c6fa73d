import { createSign, createVerify, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Alipay's open platform signature scheme (RSA2), as the sandbox provider speaks it
 * (docs/adr/0015): a request is signed by the merchant over every parameter but `sign`, sorted by
 * name, joined as `k=v&k=v`; a notification is signed by the platform over every parameter but
 * `sign` and `sign_type`; a response is `{"<method>_response": {...}, "sign": "..."}` signed over the
 * exact JSON text of the response object. Base64 RSA-SHA256 throughout.
 */
export type Params = Record<string, string>;

export const signContent = (params: Params, omit: readonly string[]): string =>
  Object.keys(params)
    .filter((k) => !omit.includes(k) && params[k] !== undefined)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');

export const rsa2Sign = (content: string, privateKey: string): string =>
  createSign('RSA-SHA256').update(content, 'utf8').sign(privateKey, 'base64');

export const rsa2Verify = (content: string, sign: string, publicKey: string): boolean => {
  try {
    return createVerify('RSA-SHA256').update(content, 'utf8').verify(publicKey, sign, 'base64');
  } catch {
    return false;
  }
};

/** Did the merchant whose public key this is sign the request? */
export const merchantSigned = (params: Params, merchantPublicKey: string): boolean =>
  !!params.sign && rsa2Verify(signContent(params, ['sign']), params.sign, merchantPublicKey);

/** A notification's form fields, signed by the platform's key. */
export function signedNotification(fields: Params, platformPrivateKey: string): Params {
  const withType = { ...fields, sign_type: 'RSA2' };
  return { ...withType, sign: rsa2Sign(signContent(withType, ['sign', 'sign_type']), platformPrivateKey) };
}

/** A gateway response for `method`, signed as the SDK verifies it (over the response object's JSON text). */
export function signedResponse(method: string, body: Record<string, unknown>, platformPrivateKey: string): string {
  const json = JSON.stringify(body);
  return `{"${method.replaceAll('.', '_')}_response":${json},"sign":"${rsa2Sign(json, platformPrivateKey)}"}`;
}

export interface RsaKeyPair {
  privateKey: string;
  publicKey: string;
}

/** An RSA-2048 key pair kept as PEM files under `dir` (made on first use); PKCS#8 private, SPKI public. */
export function ensureRsaKeyPair(dir: string, name: string): RsaKeyPair {
  const privateFile = join(dir, `${name}.private.pem`);
  const publicFile = join(dir, `${name}.public.pem`);
  if (!existsSync(privateFile)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const pair = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    writeFileSync(publicFile, pair.publicKey, { mode: 0o600 });
    writeFileSync(privateFile, pair.privateKey, { mode: 0o600 });
  }
  return { privateKey: readFileSync(privateFile, 'utf8'), publicKey: readFileSync(publicFile, 'utf8') };
}

/** Alipay's money fields: yuan with two decimals; the sandbox keeps fen. */
export const yuan = (fen: number): string => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
export function fen(s: string | undefined): number | undefined {
  if (!s || !/^\d{1,12}(\.\d{1,2})?$/.test(s)) return undefined;
  const [w, f = ''] = s.split('.');
  return Number(w) * 100 + Number(f.padEnd(2, '0'));
}

/** Beijing wall-clock time `yyyy-MM-dd HH:mm:ss`, and back to epoch ms. */
export const beijing = (ms: number): string => new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
export const fromBeijing = (s: string): number => Date.parse(`${s.replace(' ', 'T')}+08:00`);
export const beijingDate = (ms: number): string => beijing(ms).slice(0, 10);
