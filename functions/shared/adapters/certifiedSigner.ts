import type { JSONWebKeySet } from 'jose';
import { generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { b64url, type JwsType, type KeyCertificate, type Signer } from '../domain/signing';
import { ecThumbprint } from './signer';

/**
 * Receipts signed without a KMS call per receipt (docs/adr/0013): the function holds a short-lived
 * P-256 key it made itself, and the KMS key (the root, the only key published in the JWKS) signs a
 * certificate for it once per rotation: a compact JWS, `typ: receipt-key+jwt`, whose payload is the
 * short-lived public key, the JWS type it may sign and its validity (`nbf`, `exp`, epoch seconds).
 * Each receipt carries the certificate in its protected header (`cert`) and its signing time (`iat`);
 * a verifier checks the certificate against the published keys, the signing time against the
 * certificate's validity, and the receipt against the certified key (functions/shared/domain/signing.ts
 * `verifySigned`; with jose: docs/API.md "Receipts").
 *
 * KMS calls: one Sign (and one GetPublicKey, for the root's kid) per container per rotation, instead
 * of one Sign per receipt. The private key never leaves the process and is dropped at rotation; one
 * that leaked signs nothing that verifies outside its hour.
 */
export const ROTATE_AFTER_MS = 60 * 60 * 1000;
/** Clock skew allowed between the signing container and the certificate's window, each side. */
const SKEW_SECONDS = 60;

interface ShortLivedKey {
  key: KeyObject;
  header: { kid: string; cert: string };
  signUntilMs: number;
}

export class CertifiedKeySigner implements Signer {
  private current?: Promise<ShortLivedKey>;

  constructor(
    /** Signs certificates (its JWS type is KEY_CERT_TYPE); its key set is what is published. */
    private readonly root: Signer,
    private readonly typ: JwsType,
    private readonly nowMs: () => number = Date.now,
    private readonly rotateAfterMs: number = ROTATE_AFTER_MS,
  ) {}

  /** The short-lived key to sign with now: a new one (and one KMS signature) when the last one's hour is over. */
  private async shortLived(): Promise<ShortLivedKey> {
    const now = this.nowMs();
    const pending = this.current;
    if (pending) {
      const held = await pending.catch(() => undefined);
      if (held && now < held.signUntilMs) return held;
      if (this.current && this.current !== pending) return this.current; // another receipt rotated it meanwhile
    }
    const next = this.certify(now);
    this.current = next;
    next.catch(() => {
      if (this.current === next) this.current = undefined; // a failed certification is retried by the next receipt
    });
    return next;
  }

  private async certify(now: number): Promise<ShortLivedKey> {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
    const kid = ecThumbprint({ kty, crv, x, y });
    const signUntilMs = now + this.rotateAfterMs;
    const certificate: KeyCertificate = {
      jwk: { kty: kty!, crv: crv!, x: x!, y: y!, kid },
      typ: this.typ,
      nbf: Math.floor(now / 1000) - SKEW_SECONDS,
      exp: Math.ceil(signUntilMs / 1000) + SKEW_SECONDS,
    };
    return { key: privateKey, header: { kid, cert: await this.root.sign(certificate) }, signUntilMs };
  }

  async sign(payload: object): Promise<string> {
    const { key, header } = await this.shortLived();
    const protectedHeader = { alg: 'ES256', typ: this.typ, ...header, iat: Math.floor(this.nowMs() / 1000) };
    const signingInput = `${b64url(JSON.stringify(protectedHeader))}.${b64url(JSON.stringify(payload))}`;
    const signature = cryptoSign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
    return `${signingInput}.${b64url(signature)}`;
  }

  /** The published keys: the root's only (certificates travel in each receipt). */
  jwks(): Promise<JSONWebKeySet> {
    return this.root.jwks();
  }
}
