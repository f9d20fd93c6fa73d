import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { importStatement } from '../../../functions/finance/domain/statement';
import { fenToYuan, linesOf, splitCsvRow, yuanToFen } from '../../../functions/finance/domain/statementCsv';
import { DomainError } from '../../../functions/shared/domain/errors';
import { statementCsv } from './dayFixtures';
import { MemoryBooks } from './memoryBooks';

const opts = {
  date: '2026-03-01',
  source: 'api' as const,
  importedBy: 'finance:test',
  importedAt: '2026-03-02T01:00:00.000Z',
};

async function importText(text: string, store = new MemoryBooks()) {
  return { store, result: await importStatement(linesOf(text), opts, store) };
}

async function rejection(text: string, store = new MemoryBooks()): Promise<DomainError> {
  const e = await importStatement(linesOf(text), opts, store).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(DomainError);
  return e as DomainError;
}

describe('yuan → fen', () => {
  it.each([
    ['0.10', 10],
    ['19.99', 1999],
    ['1000000.01', 100000001],
    ['0.01', 1],
    ['0.07', 7],
    ['1234.50', 123450],
    ['1.00', 100],
    ['4.35', 435], // 4.35 * 100 = 434.99999999999994 in floating point
    ['1.15', 115], // 1.15 * 100 = 114.99999999999999
    ['8.20', 820],
    ['9007199254.99', 900719925499],
    ['9999999999.99', 999999999999],
    ['0100.00', 10000],
    [' 12.30 ', 1230],
  ])('%s yuan is %i fen', (text, fen) => {
    expect(yuanToFen(text)).toBe(fen);
  });

  it.each([
    '0.00',
    '1',
    '1.1',
    '1.005',
    '.50',
    '1.',
    '-1.00',
    '+1.00',
    '1e3',
    '1,234.50',
    'NaN',
    '',
    '１２.３０',
    '0x10.00',
    '10000000000.00',
    '12.30元',
  ])('rejects %j', (text) => {
    expect(typeof yuanToFen(text)).toBe('string');
  });

  it('round-trips every fen amount through yuan text exactly', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 999_999_999_999 }), (fen) => yuanToFen(fenToYuan(fen)) === fen));
  });
});

describe('CSV rows', () => {
  it('splits quoted fields with commas and doubled quotes', () => {
    expect(splitCsvRow('"A,1",2026-03-01,"1,2","say ""hi""",,')).toEqual([
      'A,1',
      '2026-03-01',
      '1,2',
      'say "hi"',
      '',
      '',
    ]);
    expect(splitCsvRow('"open,2026')).toBeUndefined();
  });
});

describe('statement import', () => {
  const body = [
    'bankRef,valueDate,amount,channel,noticeNo,windowId',
    'C1,2026-03-01,19.99,card,N1,W01',
    'DEP-W01,2026-03-01,0.10,cash,,W01',
    'T1,2026-03-02,1000000.01,transfer,,',
  ];

  it('imports LF, CRLF, with and without BOM, to the same lines and total', async () => {
    const variants = [
      body.join('\n'),
      body.join('\r\n') + '\r\n',
      '\uFEFF' + body.join('\r\n'),
      '\uFEFF' + body.join('\n') + '\n\n',
    ];
    for (const text of variants) {
      const { store, result } = await importText(text);
      expect(result).toMatchObject({ date: '2026-03-01', lines: 3, total: 1999 + 10 + 100000001 });
      const lines = [];
      for await (const c of store.statementChunks(result)) lines.push(...c);
      expect(lines.map((l) => [l.row, l.bankRef, l.amount, l.channel, l.windowId])).toEqual([
        [2, 'C1', 1999, 'card', 'W01'],
        [3, 'DEP-W01', 10, 'cash', 'W01'],
        [4, 'T1', 100000001, 'transfer', null],
      ]);
    }
  });

  it('names the row and field of every bad row and stores nothing', async () => {
    const rows = [
      ...body,
      'C2,2026-03-01,12.5,card,,',
      'C3,2026-02-30,1.00,card,,',
      'C4,2026-13-01,1.00,card,,',
      ',2026-03-01,1.00,online,,',
      'X,2026-03-01,1.00,cheque,,',
      'D,2026-03-01,5.00,cash,,',
      'E,2026-03-01,5.00,card',
    ];
    const store = new MemoryBooks();
    const e = await rejection(rows.join('\r\n'), store);
    expect(e.type).toBe('statement-row-invalid');
    expect(e.status).toBe(422);
    expect(e.errors).toEqual([
      { path: 'row 5.amount', message: expect.stringContaining('two decimals') },
      { path: 'row 6.valueDate', message: expect.any(String) },
      { path: 'row 7.valueDate', message: expect.any(String) },
      { path: 'row 8.bankRef', message: 'required for online' },
      { path: 'row 9.channel', message: expect.any(String) },
      { path: 'row 10.windowId', message: 'required for a cash deposit' },
      { path: 'row 11', message: 'expected 6 fields, found 4' },
    ]);
    expect(store.statements.size).toBe(0);
    expect(store.chunks.size).toBe(0);
  });

  it('deletes the chunks already written when a bad row comes late in a long statement', async () => {
    const rows = Array.from({ length: 3500 }, (_, i) => ({
      bankRef: `C${i}`,
      valueDate: '2026-03-01',
      amount: 100 + i,
      channel: 'card' as const,
    }));
    const text = statementCsv(rows) + 'LATE,2026-03-01,abc,card,,\n';
    const store = new MemoryBooks();
    const e = await rejection(text, store);
    expect(e.errors).toEqual([{ path: 'row 3502.amount', message: expect.any(String) }]);
    expect(store.chunks.size).toBe(0);
    expect(store.statements.size).toBe(0);
  });

  it('rejects a wrong header and an empty body', async () => {
    expect((await rejection('ref,date,amount\nC1,2026-03-01,1.00')).errors?.[0]).toEqual({
      path: 'row 1',
      message: expect.stringContaining('bankRef,valueDate'),
    });
    expect((await rejection('')).errors?.[0]?.path).toBe('row 1');
  });

  it('accepts a header-only statement as a day with no bank credits', async () => {
    const { result } = await importText(body[0]! + '\n');
    expect(result).toMatchObject({ lines: 0, total: 0, chunks: 0 });
  });

  it('stores a long statement in chunks and streams it back in row order', async () => {
    const rows = Array.from({ length: 2501 }, (_, i) => ({
      bankRef: `C${i}`,
      valueDate: '2026-03-01',
      amount: 1 + i,
      channel: 'card' as const,
    }));
    const { store, result } = await importText(statementCsv(rows, { crlf: true, bom: true }));
    expect(result).toMatchObject({ lines: 2501, chunks: 3, total: (2501 * 2502) / 2 });
    let expectedRow = 2;
    for await (const c of store.statementChunks(result)) for (const l of c) expect(l.row).toBe(expectedRow++);
    expect(expectedRow).toBe(2503);
  });
});
