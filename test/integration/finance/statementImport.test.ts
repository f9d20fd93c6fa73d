import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { linesOfStream } from '../../../functions/finance/adapters/statementObjects';
import { statementDateOfKey, type StatementObject } from '../../../functions/finance/domain/statement';
import type { StatementLine } from '../../../functions/finance/domain/statementCsv';
import { statementImportContext } from '../../../functions/finance/wiring';
import { statementCsv, uniqueDate } from '../../unit/finance/dayFixtures';
import { uniq } from '../../support/api';

const { statements: store, imports } = statementImportContext();
/** What the S3 function does with an object's body (entry/s3.ts), minus the S3 read. */
const importS3Object = (object: StatementObject, body: Readable) => imports.fromObject(object, linesOfStream(body));

/** A body that arrives in awkward pieces, as an S3 stream does: split inside a CRLF and inside a UTF-8 BOM. */
function streamOf(text: string): Readable {
  const bytes = Buffer.from(text, 'utf8');
  const pieces = [bytes.subarray(0, 2), bytes.subarray(2, 4000), bytes.subarray(4000)];
  return Readable.from(pieces);
}

describe('S3-triggered statement import', () => {
  it('takes the business date from the object key', () => {
    expect(statementDateOfKey('statements/2026-03-01/icbc.csv')).toBe('2026-03-01');
    expect(statementDateOfKey('statements/2026-13-01/icbc.csv')).toBeUndefined();
    expect(statementDateOfKey('uploads/2026-03-01/icbc.csv')).toBeUndefined();
  });

  it('streams the object through the same import, once per object version', async () => {
    const date = uniqueDate();
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      bankRef: `S3R${i}`,
      valueDate: date,
      amount: 1000 + i,
      channel: 'transfer' as const,
    }));
    const text = statementCsv(rows, { bom: true, crlf: true });
    const object = { bucket: 'statements-bucket', key: `statements/${date}/bank-${uniq()}.csv`, etag: uniq() };
    const header = await importS3Object(object, streamOf(text));
    expect(header).toMatchObject({ date, lines: 3000, total: rows.reduce((a, r) => a + r.amount, 0), source: 's3' });
    const back: StatementLine[] = [];
    for await (const c of store.statementChunks(header!)) back.push(...c);
    expect(back.map((l) => l.bankRef)).toEqual(rows.map((r) => r.bankRef));
    // S3 delivers events at least once: the same object again imports nothing new.
    const again = await importS3Object(object, streamOf(text));
    expect(again?.statementId).toBe(header!.statementId);
  });

  it('rejects a bad object row by row and stores nothing', async () => {
    const date = uniqueDate();
    const object = { bucket: 'b', key: `statements/${date}/bad.csv`, etag: uniq() };
    const e = await importS3Object(
      object,
      streamOf(
        statementCsv([{ bankRef: 'A', valueDate: date, amount: 100, channel: 'card' }]) + 'B,2026-03-01,1.234,card,,\n',
      ),
    ).catch((x: unknown) => x);
    expect(e).toMatchObject({
      type: 'statement-row-invalid',
      errors: [{ path: 'row 3.amount', message: expect.any(String) }],
    });
  });
});
