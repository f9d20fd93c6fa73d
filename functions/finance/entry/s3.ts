import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { sha256Hex } from '../../ledger/domain/ledger';
import { DomainError } from '../../shared/domain/errors';
import { log } from '../../shared/adapters/log';
import { systemClock } from '../wiring';
import { importStatement, type StatementHeader, type StatementStore } from '../domain/statement';
import { DynamoFinanceStore } from '../adapters/financeTable';

/**
 * Statements too large for the API payload limit: the finance bureau uploads the CSV to S3 under
 * `statements/<YYYY-MM-DD>/<name>.csv`, and ObjectCreated invokes this function, which streams the
 * object through the same import as `POST /v1/bank-statements` (memory stays one chunk deep).
 * The statement id derives from the object's key and ETag, so a redelivered event imports nothing twice.
 */
const KEY = /^statements\/(\d{4}-\d{2}-\d{2})\/[^/]+\.csv$/;

export function statementDateOfKey(key: string): string | undefined {
  const date = KEY.exec(key)?.[1];
  if (!date) return undefined;
  const t = Date.parse(`${date}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().startsWith(date) ? date : undefined;
}

export function linesOfStream(stream: Readable): AsyncIterable<string> {
  return createInterface({ input: stream, crlfDelay: Infinity });
}

export async function importS3Object(
  object: { bucket: string; key: string; etag: string },
  body: Readable,
  store: StatementStore,
): Promise<StatementHeader | undefined> {
  const date = statementDateOfKey(object.key);
  if (!date) {
    log('warn', 'statement object ignored: key is not statements/<YYYY-MM-DD>/<name>.csv', { key: object.key });
    return undefined;
  }
  const statementId = `ST-${date.replaceAll('-', '')}-S3${sha256Hex(`${object.bucket}/${object.key}#${object.etag}`).slice(0, 12).toUpperCase()}`;
  return importStatement(linesOfStream(body), { date, source: 's3', importedBy: `s3://${object.bucket}`, importedAt: systemClock.now().toISOString(), statementId }, store);
}

let s3: S3Client | undefined;

export const handler = async (event: S3Event): Promise<void> => {
  s3 ??= new S3Client({});
  const store = new DynamoFinanceStore();
  for (const record of event.Records) {
    const bucket = record.s3.bucket.name;
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    const etag = record.s3.object.eTag ?? record.s3.object.sequencer ?? '';
    const obj = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    try {
      const header = await importS3Object({ bucket, key, etag }, obj.Body as Readable, store);
      if (header) log('info', 'statement imported', { statementId: header.statementId, date: header.date, lines: header.lines, total: header.total });
    } catch (e) {
      // A bad file is the bank's problem, not a retryable fault: log which rows, store nothing, do not retry.
      if (e instanceof DomainError && e.type === 'statement-row-invalid') {
        log('warn', 'statement rejected', { key, errors: e.errors?.slice(0, 20) });
        continue;
      }
      throw e;
    }
  }
};
