import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateP256Key } from '../../test/deployed/support/p256';

/**
 * A KMS endpoint for the capacity benchmark (the SDK finds it through `AWS_ENDPOINT_URL_KMS`): one
 * ECC_NIST_P256 SIGN_VERIFY key, GetPublicKey and Sign, and a count of every request by operation, so
 * the benchmark counts the KMS calls the deployed signer makes from the requests it actually sends.
 * The curve arithmetic is test/deployed's (KMS signs a digest; node:crypto cannot).
 */
export async function startKmsStandIn(): Promise<{ url: string; calls: Map<string, number>; stop(): Promise<void> }> {
  const key = generateP256Key();
  const calls = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^TrentService\./, '');
      calls.set(operation, (calls.get(operation) ?? 0) + 1);
      const input = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, string>;
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      if (operation === 'GetPublicKey')
        return reply(200, {
          KeyId: input.KeyId,
          PublicKey: key.spki.toString('base64'),
          KeySpec: 'ECC_NIST_P256',
          KeyUsage: 'SIGN_VERIFY',
          SigningAlgorithms: ['ECDSA_SHA_256'],
        });
      if (operation === 'Sign') {
        const message = Buffer.from(input.Message ?? '', 'base64');
        const digest = input.MessageType === 'DIGEST' ? message : createHash('sha256').update(message).digest();
        return reply(200, {
          KeyId: input.KeyId,
          Signature: key.signDigest(digest).toString('base64'),
          SigningAlgorithm: 'ECDSA_SHA_256',
        });
      }
      reply(400, { __type: 'UnsupportedOperationException', message: `${operation} is not stubbed` });
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    stop: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
