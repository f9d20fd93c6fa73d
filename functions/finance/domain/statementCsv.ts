import { CHANNELS, type Channel } from '../../../schemas/records';
import type { FieldError } from '../../shared/domain/errors';

/**
 * The agent bank's settlement statement (对账单) as text: CSV, UTF-8 with or without BOM, LF or
 * CRLF, header `bankRef,valueDate,amount,channel,noticeNo,windowId`. Rows are numbered as a
 * spreadsheet shows them: the header is row 1. Amounts are yuan with exactly two decimals and
 * become integer fen by string arithmetic; no floating point touches them.
 *
 * Parsing is one streaming pass over physical lines; the import (./statement.ts) stores what it yields.
 */
export const STATEMENT_HEADER = ['bankRef', 'valueDate', 'amount', 'channel', 'noticeNo', 'windowId'] as const;
export const STATEMENT_CHUNK_LINES = 1000;
const MAX_REPORTED_ERRORS = 50;
/** 10^10 yuan: the API's Fen bound, so every sum stays an exact integer. */
const MAX_LINE_FEN = 1_000_000_000_000;

export interface StatementLine {
  row: number;
  bankRef: string | null;
  valueDate: string;
  /** Integer fen. */
  amount: number;
  channel: Channel;
  noticeNo: string | null;
  windowId: string | null;
}

const AMOUNT = /^(\d{1,10})\.(\d{2})$/;

/**
 * Yuan with exactly two decimals → integer fen, by string arithmetic: "19.99" → "1999" → 1999.
 * Returns an error message instead when the text is not such an amount.
 */
export function yuanToFen(text: string): number | string {
  const m = AMOUNT.exec(text.trim());
  if (!m) return 'must be yuan with exactly two decimals, e.g. 1234.50';
  const fen = Number(m[1]! + m[2]!); // digits only: an exact integer, never a fraction
  if (fen <= 0) return 'must be positive';
  if (fen > MAX_LINE_FEN) return 'too large';
  return fen;
}

/** Integer fen → yuan text with two decimals, by string arithmetic (the inverse of yuanToFen). */
export function fenToYuan(fen: number): string {
  const s = String(fen).padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}

/** One CSV record on one line (RFC 4180 quoting, no embedded line breaks). undefined: unbalanced quotes. */
export function splitCsvRow(line: string): string[] | undefined {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= line.length) return undefined;
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += line[i++];
      }
      if (i < line.length && line[i] !== ',') return undefined;
      out.push(value);
      i++;
    } else {
      const next = line.indexOf(',', i);
      const end = next === -1 ? line.length : next;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

const BANK_REF = /^[A-Za-z0-9._/:-]{1,64}$/;
const WINDOW_ID = /^[A-Za-z0-9_-]{1,32}$/;
const NOTICE_NO = /^[A-Za-z0-9-]{1,40}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Statements carry a handful of value dates: remember the verdicts (bounded, so junk cannot grow it). */
const dateVerdicts = new Map<string, boolean>();
const isCalendarDate = (s: string) => {
  const known = dateVerdicts.get(s);
  if (known !== undefined) return known;
  let ok = DATE.test(s);
  if (ok) {
    const t = Date.parse(`${s}T00:00:00Z`); // NaN for month 13; rolls 02-30 over to March
    ok = !Number.isNaN(t) && new Date(t).toISOString().startsWith(s);
  }
  if (dateVerdicts.size < 10_000) dateVerdicts.set(s, ok);
  return ok;
};

/** Parses one data row; returns the line or the field errors (`row 7.amount`). */
export function parseStatementRow(text: string, row: number): StatementLine | FieldError[] {
  const fields = splitCsvRow(text);
  if (!fields) return [{ path: `row ${row}`, message: 'unbalanced quotes' }];
  if (fields.length !== STATEMENT_HEADER.length)
    return [{ path: `row ${row}`, message: `expected ${STATEMENT_HEADER.length} fields, found ${fields.length}` }];
  const [bankRefRaw, valueDateRaw, amountRaw, channelRaw, noticeNoRaw, windowIdRaw] = fields.map((f) => f.trim()) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  let errors: FieldError[] | undefined;
  const err = (field: string, message: string) => {
    errors ??= [];
    errors.push({ path: `row ${row}.${field}`, message });
  };

  const channel = channelRaw as Channel;
  if (!CHANNELS.includes(channel)) err('channel', `must be one of ${CHANNELS.join(', ')}`);
  if (bankRefRaw === '') {
    if (channel !== 'cash' && CHANNELS.includes(channel)) err('bankRef', `required for ${channel}`);
  } else if (!BANK_REF.test(bankRefRaw)) err('bankRef', 'must be 1-64 letters, digits or ._/:-');
  if (!isCalendarDate(valueDateRaw)) err('valueDate', 'must be a date YYYY-MM-DD');
  const amount = yuanToFen(amountRaw);
  if (typeof amount === 'string') err('amount', amountRaw === '' ? 'required' : amount);
  if (noticeNoRaw !== '' && !NOTICE_NO.test(noticeNoRaw)) err('noticeNo', 'must be 1-40 letters, digits or -');
  if (windowIdRaw === '') {
    if (channel === 'cash') err('windowId', 'required for a cash deposit');
  } else if (!WINDOW_ID.test(windowIdRaw)) err('windowId', 'must be 1-32 letters, digits, _ or -');
  if (errors) return errors;
  return {
    row,
    bankRef: bankRefRaw || null,
    valueDate: valueDateRaw,
    amount: amount as number,
    channel,
    noticeNo: noticeNoRaw || null,
    windowId: windowIdRaw || null,
  };
}

/** Lines of an in-memory text, LF or CRLF (the inline API body). */
export function* linesOf(text: string): Generator<string> {
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    yield text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    start = end + 1;
  }
}

/**
 * Parses a statement's rows one physical line at a time. Stops collecting errors after
 * MAX_REPORTED_ERRORS but keeps counting rows; after the first error it only validates (the caller
 * must not store anything once `errors` is non-empty).
 */
export class StatementParser {
  private row = 0;
  constructor(readonly errors: FieldError[] = []) {}

  /** The parsed line, or undefined for the header, a blank line or a bad row. */
  push(text: string): StatementLine | undefined {
    const row = ++this.row;
    if (row === 1) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const header = splitCsvRow(text.trim())?.map((h) => h.trim());
      if (header?.join(',') !== STATEMENT_HEADER.join(','))
        this.errors.push({ path: 'row 1', message: `the header must be ${STATEMENT_HEADER.join(',')}` });
      return undefined;
    }
    if (text.trim() === '') return undefined; // blank lines (e.g. the trailing newline) carry nothing
    const parsed = parseStatementRow(text, row);
    if (!Array.isArray(parsed)) return this.errors.length === 0 ? parsed : undefined;
    if (this.errors.length < MAX_REPORTED_ERRORS)
      this.errors.push(...parsed.slice(0, MAX_REPORTED_ERRORS - this.errors.length));
    else if (this.errors.length === MAX_REPORTED_ERRORS)
      this.errors.push({ path: `row ${row}`, message: 'further errors not listed' });
    return undefined;
  }

  end(): void {
    if (this.row === 0) this.errors.push({ path: 'row 1', message: 'the statement is empty (no header)' });
  }
}

/** The parser over a whole line source; a synchronous source is read without an await per line. */
export async function* parseStatement(
  source: AsyncIterable<string> | Iterable<string>,
  errors: FieldError[],
): AsyncGenerator<StatementLine[]> {
  const parser = new StatementParser(errors);
  let batch: StatementLine[] = [];
  const take = (text: string) => {
    const line = parser.push(text);
    if (line) batch.push(line);
  };
  if (Symbol.iterator in source) {
    for (const text of source) {
      take(text);
      if (batch.length === STATEMENT_CHUNK_LINES) {
        yield batch;
        batch = [];
      }
    }
  } else
    for await (const text of source) {
      take(text);
      if (batch.length === STATEMENT_CHUNK_LINES) {
        yield batch;
        batch = [];
      }
    }
  parser.end();
  if (batch.length) yield batch;
}
