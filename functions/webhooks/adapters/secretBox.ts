import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { SecretBox } from '../ports';

/**
 * Endpoint secrets sealed with AES-256-GCM under a key kept outside the table (deployed: a generated
 * Secrets Manager secret resolved into the webhook functions' configuration; locally the key file
 * `webhook-secrets.secret`). A signing secret must be recoverable to sign, so it cannot be hashed;
 * sealing keeps it out of the table's backups, exports and stream (docs/adr/0016). The endpoint id
 * is the associated data, so a sealed secret copied onto another endpoint does not open.
 * Format: `v1.<iv>.<ciphertext>.<tag>`, base64url.
 */
export class AesSecretBox implements SecretBox {
  private readonly key: Buffer;
  constructor(keyMaterial: string) {
    // Any high-entropy string of at least 32 characters; hashed to exactly 256 bits.
    this.key = createHash('sha256').update(keyMaterial, 'utf8').digest();
  }

  seal(secret: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([c.update(secret, 'utf8'), c.final()]);
    return ['v1', iv, body, c.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  open(sealed: string): string {
    const [v, iv, body, tag] = sealed.split('.');
    if (v !== 'v1' || !iv || !body || !tag) throw new Error('not a sealed webhook secret');
    const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(body, 'base64url')), d.final()]).toString('utf8');
  }
}
