import type { S3Event } from 'aws-lambda';
import { log } from '../../shared/adapters/log';
import { DomainError } from '../../shared/domain/errors';
import { statementImportContext } from '../wiring';

/**
 * Statements too large for the API payload limit: the finance bureau uploads the CSV to S3 under
 * `statements/<YYYY-MM-DD>/<name>.csv`, and ObjectCreated invokes this function, which streams the
 * object through the same import as `POST /v1/bank-statements` (memory stays one chunk deep).
 * The statement id derives from the object's key and ETag, so a redelivered event imports nothing twice.
 */
const { objects, imports } = statementImportContext();

export const handler = async (event: S3Event): Promise<void> => {
  for (const record of event.Records) {
    const bucket = record.s3.bucket.name;
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    const etag = record.s3.object.eTag ?? record.s3.object.sequencer ?? '';
    const lines = await objects.lines({ bucket, key });
    try {
      const header = await imports.fromObject({ bucket, key, etag }, lines);
      if (!header) log('warn', 'statement object ignored: key is not statements/<YYYY-MM-DD>/<name>.csv', { key });
      else
        log('info', 'statement imported', {
          statementId: header.statementId,
          date: header.date,
          lines: header.lines,
          total: header.total,
        });
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
