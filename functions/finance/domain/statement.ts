import { randomUUID } from 'node:crypto';
import { sha256Hex } from '../../ledger';
import { DomainError, type FieldError } from '../../shared/domain/errors';
import type { Clock, StatementStore } from '../ports';
import type { StatementHeader } from './records';
import { linesOf, parseStatement, STATEMENT_CHUNK_LINES, type StatementLine } from './statementCsv';

/**
 * The import of the agent bank's settlement statement (对账单), parsed by ./statementCsv.ts.
 *
 * Import is one streaming pass: rows are validated and written in chunks under the statement's own
 * partitions; the statement's header item is written last and is what makes it exist. A bad row
 * anywhere means the chunks already written are deleted and the whole import is a 422.
 */
export interface ImportOptions {
  date: string;
  source: 'api' | 's3' | 'cli';
  importedBy: string;
  importedAt: string;
  /** Deterministic id for at-least-once sources (S3 events); a random one otherwise. */
  statementId?: string;
  onProgress?: (linesSoFar: number) => void;
}

/**
 * Streams a statement into the store: validate each row, write chunks as they fill (a few writes in
 * flight), write the header last. Any bad row: delete what was written, 422 naming every bad row.
 */
export async function importStatement(
  lines: AsyncIterable<string> | Iterable<string>,
  opts: ImportOptions,
  store: StatementStore,
): Promise<StatementHeader> {
  const statementId =
    opts.statementId ??
    `ST-${opts.date.replaceAll('-', '')}-${randomUUID().replaceAll('-', '').slice(0, 12).toUpperCase()}`;
  const errors: FieldError[] = [];
  let chunk: StatementLine[] = [];
  let chunks = 0;
  let count = 0;
  let total = 0;
  const inFlight = new Set<Promise<void>>();
  const flush = async () => {
    const write = store.putStatementChunk(statementId, chunks++, chunk).finally(() => inFlight.delete(write));
    inFlight.add(write);
    chunk = [];
    if (inFlight.size >= 4) await Promise.race(inFlight);
  };
  try {
    for await (const batch of parseStatement(lines, errors)) {
      if (errors.length) continue;
      for (const line of batch) {
        chunk.push(line);
        count++;
        total += line.amount;
        if (chunk.length === STATEMENT_CHUNK_LINES) await flush();
      }
      opts.onProgress?.(count);
    }
    if (errors.length === 0 && chunk.length) await flush();
    await Promise.all(inFlight);
  } catch (e) {
    await Promise.allSettled(inFlight);
    await store.discardStatementChunks(statementId, chunks);
    throw e;
  }
  if (errors.length) {
    await store.discardStatementChunks(statementId, chunks);
    throw new DomainError(
      'statement-row-invalid',
      errors
        .map((e) => `${e.path}: ${e.message}`)
        .slice(0, 5)
        .join('; '),
      errors,
    );
  }
  if (!Number.isSafeInteger(total))
    throw new DomainError('statement-row-invalid', 'The statement total is too large', [
      { path: 'row 1', message: 'total too large' },
    ]);
  const header: StatementHeader = {
    statementId,
    date: opts.date,
    lines: count,
    total,
    chunks,
    source: opts.source,
    importedBy: opts.importedBy,
    importedAt: opts.importedAt,
  };
  const created = await store.putStatementHeader(header);
  if (!created) return (await store.getStatement(statementId))!;
  opts.onProgress?.(count);
  return header;
}

/**
 * Statements too large for the API payload limit are uploaded to S3 under
 * `statements/<YYYY-MM-DD>/<name>.csv`; the key names the business date.
 */
const KEY = /^statements\/(\d{4}-\d{2}-\d{2})\/[^/]+\.csv$/;

export function statementDateOfKey(key: string): string | undefined {
  const date = KEY.exec(key)?.[1];
  if (!date) return undefined;
  const t = Date.parse(`${date}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().startsWith(date) ? date : undefined;
}

export interface StatementObject {
  bucket: string;
  key: string;
  etag: string;
}

/** The three ways a statement arrives, each through the same import; `importedAt` from the clock. */
export class StatementImports {
  constructor(private readonly deps: { store: StatementStore; clock: Clock }) {}

  /** The inline body of `POST /v1/bank-statements`. */
  fromText(text: string, by: { date: string; importedBy: string }): Promise<StatementHeader> {
    return importStatement(linesOf(text), { ...by, source: 'api', importedAt: this.now() }, this.deps.store);
  }

  /**
   * An uploaded object, streamed (memory stays one chunk deep). The statement id derives from the
   * object's key and ETag, so a redelivered event imports nothing twice. Undefined when the key is
   * not `statements/<YYYY-MM-DD>/<name>.csv`: such an object is not a statement.
   */
  async fromObject(object: StatementObject, lines: AsyncIterable<string>): Promise<StatementHeader | undefined> {
    const date = statementDateOfKey(object.key);
    if (!date) return undefined;
    const statementId = `ST-${date.replaceAll('-', '')}-S3${sha256Hex(`${object.bucket}/${object.key}#${object.etag}`)
      .slice(0, 12)
      .toUpperCase()}`;
    const opts = {
      date,
      source: 's3',
      importedBy: `s3://${object.bucket}`,
      importedAt: this.now(),
      statementId,
    } as const;
    return importStatement(lines, opts, this.deps.store);
  }

  /** A file of any size streamed by `npm run reconcile`. */
  fromFile(lines: AsyncIterable<string>, by: { date: string; importedBy: string }): Promise<StatementHeader> {
    return importStatement(lines, { ...by, source: 'cli', importedAt: this.now() }, this.deps.store);
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }
}
