import { describe, expect, it } from 'vitest';
import {
  contentSha256,
  DATASETS,
  filterValue,
  orderedRow,
  rowKey,
  tableSchema,
  toCsv,
} from '../../../functions/opendata/domain/datasets';

const catalog = DATASETS['fee-catalog'];

describe('dataset rows', () => {
  it('writes RFC 4180 CSV: quotes commas, quotes and line breaks; null is the empty missing value', () => {
    const row = orderedRow(catalog, { code: 'A1', name: 'Fee, "special"\nline', amount: 1200, unit: null, version: 1 });
    const csv = toCsv(catalog, [row]);
    const [header, line] = csv.split('\r\n');
    expect(header).toBe(catalog.fields.map((f) => f.name).join(','));
    // code, name, then departmentId…pricingKind empty, amount, then unit, effectiveFrom, effectiveTo empty, version
    expect(line).toBe('A1,"Fee, ""special""\nline",,,,,,1200,,,,1');
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(tableSchema(catalog).missingValues[0]!.value).toBe('');
  });

  it('neutralises text a spreadsheet would run as a formula (OWASP CSV injection); numbers stay numbers', () => {
    const texts = ['=1+1', '+SUM(A1:A9)', '-2+3', '@SUM(1)', '\tx', '\r=1', '=HYPERLINK("http://x","y")'];
    for (const text of texts) {
      const row = orderedRow(catalog, { code: 'A1', name: 'n', legalBasis: text, amount: 1200, version: 1 });
      const [, line] = toCsv(catalog, [row]).split('\r\n');
      const legalBasis = `"'${text.replace(/"/g, '""')}"`;
      expect(line, JSON.stringify(text)).toBe(`A1,n,,,${legalBasis},,,1200,,,,1`);
    }
    // A formula character inside the text is harmless; only the first character decides.
    const inside = orderedRow(catalog, { code: 'A1', name: 'a=b', legalBasis: '《法》-1', amount: 0, version: 1 });
    expect(toCsv(catalog, [inside]).split('\r\n')[1]).toBe('A1,a=b,,,《法》-1,,,0,,,,1');
    // Numbers are never quoted or prefixed, negative ones included.
    const def = DATASETS['daily-channel-volume'];
    const figures = { date: '2025-01-02', channel: 'cash', paymentCount: 7, amount: -700, suppressed: false };
    expect(toCsv(def, [orderedRow(def, figures)]).split('\r\n')[1]).toBe('2025-01-02,cash,7,-700,false');
  });

  it('hashes content independently of the order fields arrive in', () => {
    const def = DATASETS['daily-channel-volume'];
    const a = { date: '2025-01-02', channel: 'cash', paymentCount: 7, amount: 700, suppressed: false };
    const b = { suppressed: false, amount: 700, paymentCount: 7, channel: 'cash', date: '2025-01-02' };
    expect(contentSha256(def, [a])).toBe(contentSha256(def, [b]));
    expect(contentSha256(def, [a])).not.toBe(contentSha256(def, [{ ...a, amount: 701 }]));
    expect(rowKey(def, b)).toBe('2025-01-02#cash');
  });

  it('parses filter values by field type and refuses what the type cannot hold', () => {
    const def = DATASETS['monthly-collections'];
    const field = (n: string) => def.fields.find((f) => f.name === n)!;
    expect(filterValue(field('paymentCount'), '12')).toBe(12);
    expect(filterValue(field('paymentCount'), '1e3')).toBeUndefined();
    expect(filterValue(field('suppressed'), 'true')).toBe(true);
    expect(filterValue(field('suppressed'), 'yes')).toBeUndefined();
    expect(filterValue(field('month'), '')).toBeUndefined();
  });

  it('marks every figure of the aggregate datasets as suppressible, and no key field', () => {
    for (const def of Object.values(DATASETS)) {
      for (const f of def.fields)
        if (def.key.includes(f.name)) expect(f.suppressible, `${def.id}.${f.name}`).toBeFalsy();
      if (def.id !== 'fee-catalog')
        expect(def.fields.filter((f) => f.type === 'integer').every((f) => f.suppressible)).toBe(true);
    }
  });
});
