import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** The lines of a stream, LF or CRLF, one at a time: memory does not grow with the stream. */
export function linesOfStream(stream: Readable): AsyncIterable<string> {
  return createInterface({ input: stream, crlfDelay: Infinity });
}

/** Uploaded statements in the statements bucket, read as a stream of lines; the client is built on the first object. */
export class StatementObjects {
  private s3?: S3Client;

  async lines(object: { bucket: string; key: string }): Promise<AsyncIterable<string>> {
    this.s3 ??= new S3Client({});
    const obj = await this.s3.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key }));
    return linesOfStream(obj.Body as Readable);
  }
}
