import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { beijingTime, monthLabel, yuan, yuanDigits } from '../../../web/shared/format';
import { parseCsv } from '../../../web/portal/src/opendata';

describe('web formatting (web/shared/format.ts)', () => {
  it('shows integer fen as yuan with two decimals and thousands separators, without floats', () => {
    expect(yuanDigits(0)).toBe('0.00');
    expect(yuanDigits(5)).toBe('0.05');
    expect(yuanDigits(1050)).toBe('10.50');
    expect(yuanDigits(-150)).toBe('-1.50');
    expect(yuanDigits(123456789)).toBe('1,234,567.89');
    expect(yuanDigits(Number.MAX_SAFE_INTEGER)).toBe('90,071,992,547,409.91');
    expect(yuan(2100)).toBe('21.00 元');
    expect(yuan(2100, 'en')).toBe('CNY 21.00');
    expect(() => yuanDigits(10.5)).toThrow();
    fc.assert(
      fc.property(fc.maxSafeInteger(), (fen) => {
        const digits = yuanDigits(fen).replace(/[,.]/g, '');
        expect(BigInt(digits)).toBe(BigInt(fen));
      }),
    );
  });

  it('shows instants in Beijing time whatever the zone, and months in Chinese', () => {
    expect(beijingTime('2026-12-01T01:49:13.335Z')).toBe('2026-12-01 09:49:13');
    expect(beijingTime('2026-12-31T16:00:00.000Z', false)).toBe('2027-01-01 00:00');
    expect(beijingTime('not a time')).toBe('not a time');
    expect(monthLabel('2024-02')).toBe('2024年2月');
    expect(monthLabel('2024-02', 'en')).toBe('2024-02');
  });
});

describe('release CSV in the browser (web/portal/src/opendata.ts)', () => {
  it('reads quoted fields, doubled quotes, CRLF, and empty cells as null (suppressed, not zero)', () => {
    const csv =
      'month,departmentId,name,amount,suppressed\r\n2024-02,D01,"登记费, 副本",1050,false\r\n2024-02,D02,"say ""hi""\nthere",,true\r\n';
    expect(parseCsv(csv)).toEqual([
      { month: '2024-02', departmentId: 'D01', name: '登记费, 副本', amount: '1050', suppressed: 'false' },
      { month: '2024-02', departmentId: 'D02', name: 'say "hi"\nthere', amount: null, suppressed: 'true' },
    ]);
    expect(parseCsv('a,b\n1,2')).toEqual([{ a: '1', b: '2' }]);
    expect(parseCsv('')).toEqual([]);
  });
});
