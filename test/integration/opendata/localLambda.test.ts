import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LambdaPublisherInvoker } from '../../../functions/opendata/adapters/lambdaPublisher';
import { DirectoryReleaseFiles } from '../../../functions/opendata/adapters/releaseFiles';
import { startLocalLambda } from '../../../infra/local/lambda';

/**
 * The local stack's stand-ins for what the deployed publisher uses: the Lambda Invoke API (through
 * which the opendata function starts publication jobs with the AWS SDK, as deployed) and the
 * directory of release files (S3 deployed).
 */
describe('local Lambda Invoke service', () => {
  it('queues an Event invocation: 202 at once, the function runs afterwards with the payload', async () => {
    const runs: unknown[] = [];
    let release!: () => void;
    const gate = new Promise<void>((ok) => (release = ok));
    const lambda = await startLocalLambda({
      invoke: async (fn, event) => {
        await gate;
        runs.push({ fn, event });
      },
    });
    try {
      await new LambdaPublisherInvoker('publisher', { endpoint: lambda.endpoint }).start(
        '20250715T040000000Z-0123456789ab',
      );
      expect(runs).toEqual([]); // answered before the function ran
      release();
      await lambda.settled();
      expect(runs).toEqual([{ fn: 'publisher', event: { jobId: '20250715T040000000Z-0123456789ab' } }]);
    } finally {
      await lambda.stop();
    }
  });

  it('answers a RequestResponse invocation with the result, and refuses a function it does not have', async () => {
    const lambda = await startLocalLambda({ invoke: async (fn, event) => ({ fn, echo: event }) });
    try {
      const client = new LambdaClient({
        endpoint: lambda.endpoint,
        region: 'local',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      const r = await client.send(
        new InvokeCommand({
          FunctionName: 'arn:aws:lambda:local:000000000000:function:publisher',
          Payload: new TextEncoder().encode('{"a":1}'),
        }),
      );
      expect(r.StatusCode).toBe(200);
      expect(JSON.parse(new TextDecoder().decode(r.Payload))).toEqual({ fn: 'publisher', echo: { a: 1 } });
      await expect(
        new LambdaPublisherInvoker('no-such-function', { endpoint: lambda.endpoint }).start('x'),
      ).rejects.toThrow();
    } finally {
      await lambda.stop();
    }
  });
});

describe('local release files', () => {
  it('writes a file under its public path once, and never replaces it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'release-files-'));
    try {
      const files = new DirectoryReleaseFiles(dir);
      await files.putFile('open-data/fee-catalog/R1.csv', 'code\r\nA\r\n');
      expect(readFileSync(join(dir, 'fee-catalog', 'R1.csv'), 'utf8')).toBe('code\r\nA\r\n');
      await expect(files.putFile('open-data/fee-catalog/R1.csv', 'code\r\nB\r\n')).rejects.toThrow();
      expect(readFileSync(join(dir, 'fee-catalog', 'R1.csv'), 'utf8')).toBe('code\r\nA\r\n');
      await expect(files.putFile('elsewhere/R1.csv', 'x')).rejects.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
