import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { KeyDeriver } from '../ports';

/**
 * Deployed: HMAC-SHA-256 in AWS KMS (an HMAC_256 key, GenerateMac): the server key never leaves KMS.
 * The client is loaded at the first sign-up or reveal; the data routes this function serves never need it.
 */
export class KmsKeyDeriver implements KeyDeriver {
  private sdk?: Promise<{ client: import('./sdk/kms').KMSClient; api: typeof import('./sdk/kms') }>;
  constructor(private readonly kmsKeyId: string) {}

  async mac(message: string): Promise<Uint8Array> {
    this.sdk ??= import('./sdk/kms').then((api) => ({ api, client: new api.KMSClient({}) }));
    const { api, client } = await this.sdk;
    const r = await client.send(
      new api.GenerateMacCommand({
        KeyId: this.kmsKeyId,
        MacAlgorithm: 'HMAC_SHA_256',
        Message: new TextEncoder().encode(message),
      }),
    );
    if (!r.Mac) throw new Error('KMS returned no MAC');
    return r.Mac;
  }
}

/** Locally: the same HMAC with the local stack's key file (`open-data-keys.secret`, 32 random bytes, base64url). */
export class LocalKeyDeriver implements KeyDeriver {
  private secret?: Buffer;
  constructor(private readonly file: string) {}

  async mac(message: string): Promise<Uint8Array> {
    this.secret ??= Buffer.from(readFileSync(this.file, 'utf8').trim(), 'base64url');
    return createHmac('sha256', this.secret).update(message, 'utf8').digest();
  }
}
