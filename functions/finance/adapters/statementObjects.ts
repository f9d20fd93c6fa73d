import type { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** The lines of a stream, LF or CRLF, one at a time: memory does not grow with the stream. */
export function linesOfStream(stream: Readable): AsyncIterable<string> {
  return createInterface({ input: stream, crlfDelay: Infinity });
}

type S3 = { client: S3Client; GetObject: typeof GetObjectCommand };

/**
 * Uploaded statements in the statements bucket, read as a stream of lines. The SDK is loaded and
 * the client built on the first object, not at import: the finance HTTP function, which shares the
 * wiring module, never reads S3.
 */
export class StatementObjects {
  private s3?: Promise<S3>;

  async lines(object: { bucket: string; key: string }): Promise<AsyncIterable<string>> {
    this.s3 ??= import('@aws-sdk/client-s3').then((m) => ({
      client: new m.S3Client({}),
      GetObject: m.GetObjectCommand,
    }));
    const { client, GetObject } = await this.s3;
    const obj = await client.send(new GetObject({ Bucket: object.bucket, Key: object.key }));
    return linesOfStream(obj.Body as Readable);
  }
}
