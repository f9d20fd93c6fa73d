import { createHash } from 'node:crypto';
import type { DatasetId } from '../../../schemas/opendata';

/**
 * The open datasets: what each row holds (a Frictionless Table Schema, the one definition of the
 * fields: it feeds the Data Package, the CSV header, the filters and the row order) and how rows are
 * keyed. Suppressed figures are null in JSON and empty in CSV (`missingValues: [""]`), and the row
 * says why in its `suppressed` flag.
 */
export interface FieldDef {
  name: string;
  type: 'string' | 'integer' | 'boolean' | 'date' | 'yearmonth';
  title: string;
  description: string;
  /** A figure that small-cell suppression may null. */
  suppressible?: boolean;
}

export interface DatasetDef {
  id: DatasetId;
  title: string;
  description: string;
  keywords: string[];
  fields: FieldDef[];
  /** Fields whose values, joined by `#`, make the row's sort key (keyset pagination order). */
  key: string[];
}

const SUPPRESSED_FIELD: FieldDef = {
  name: 'suppressed',
  type: 'boolean',
  title: 'Suppressed',
  description:
    'true when the figures of this row are withheld (empty / null) by small-cell suppression: the cell counts fewer than k payments, or hiding it protects such a cell',
};

export const DATASETS: Record<DatasetId, DatasetDef> = {
  'fee-catalog': {
    id: 'fee-catalog',
    title: 'Public fee catalog in force (收费公示)',
    description:
      'Every fee item in force on the publication date: legal basis, approving authority and standard, in fen.',
    keywords: ['fees', 'catalog', '收费公示'],
    key: ['code'],
    fields: [
      { name: 'code', type: 'string', title: 'Fee code', description: 'Fee item code' },
      { name: 'name', type: 'string', title: 'Name', description: 'Fee item name' },
      { name: 'departmentId', type: 'string', title: 'Department', description: 'Charging department (执收单位)' },
      {
        name: 'category',
        type: 'string',
        title: 'Category',
        description: 'administrative-fee | government-fund | fine | other',
      },
      { name: 'legalBasis', type: 'string', title: 'Legal basis', description: '收费依据' },
      { name: 'approvedBy', type: 'string', title: 'Approved by', description: '批准机关' },
      { name: 'pricingKind', type: 'string', title: 'Pricing', description: 'fixed | per-unit' },
      {
        name: 'amount',
        type: 'integer',
        title: 'Standard (fen)',
        description: 'The fixed amount, or the amount per unit, in fen',
      },
      { name: 'unit', type: 'string', title: 'Unit', description: 'The unit of a per-unit fee; empty for a fixed fee' },
      {
        name: 'effectiveFrom',
        type: 'date',
        title: 'Effective from',
        description: 'First day the version is in force',
      },
      {
        name: 'effectiveTo',
        type: 'date',
        title: 'Effective to',
        description: 'Last day in force; empty when open-ended',
      },
      { name: 'version', type: 'integer', title: 'Version', description: 'Version of the fee item in force' },
    ],
  },
  'monthly-collections': {
    id: 'monthly-collections',
    title: 'Monthly collections by department and fee item',
    description:
      'Payments and refunds per business month (Asia/Shanghai), charging department and fee item; amounts in fen.',
    keywords: ['fees', 'collections', 'refunds', 'monthly'],
    key: ['month', 'departmentId', 'feeCode'],
    fields: [
      {
        name: 'month',
        type: 'yearmonth',
        title: 'Month',
        description: 'Business month of the payment (refunds: of the refund)',
      },
      { name: 'departmentId', type: 'string', title: 'Department', description: 'Charging department' },
      { name: 'feeCode', type: 'string', title: 'Fee code', description: 'Fee item' },
      {
        name: 'paymentCount',
        type: 'integer',
        title: 'Payments',
        description: 'Payments that include this fee item',
        suppressible: true,
      },
      {
        name: 'amount',
        type: 'integer',
        title: 'Amount (fen)',
        description: 'Amount collected for this fee item',
        suppressible: true,
      },
      {
        name: 'refundCount',
        type: 'integer',
        title: 'Refunds',
        description: 'Refunds of this fee item made in the month',
        suppressible: true,
      },
      {
        name: 'refundAmount',
        type: 'integer',
        title: 'Refunded (fen)',
        description: 'Amount refunded for this fee item in the month',
        suppressible: true,
      },
      SUPPRESSED_FIELD,
    ],
  },
  'daily-channel-volume': {
    id: 'daily-channel-volume',
    title: 'Daily payment volume by channel',
    description: 'Payments per business day and channel (cash, card, transfer, online); amounts in fen.',
    keywords: ['payments', 'channels', 'daily'],
    key: ['date', 'channel'],
    fields: [
      { name: 'date', type: 'date', title: 'Date', description: 'Business date of the payment' },
      { name: 'channel', type: 'string', title: 'Channel', description: 'cash | card | transfer | online' },
      { name: 'paymentCount', type: 'integer', title: 'Payments', description: 'Payments made', suppressible: true },
      { name: 'amount', type: 'integer', title: 'Amount (fen)', description: 'Amount paid', suppressible: true },
      SUPPRESSED_FIELD,
    ],
  },
  'notice-to-payment-time': {
    id: 'notice-to-payment-time',
    title: 'Time from payment notice to payment',
    description:
      'Per business month and department: notices paid, and the median and 90th percentile of the whole hours from issue to payment (nearest rank).',
    keywords: ['service', 'timeliness', 'notices'],
    key: ['month', 'departmentId'],
    fields: [
      { name: 'month', type: 'yearmonth', title: 'Month', description: 'Business month of the payment' },
      { name: 'departmentId', type: 'string', title: 'Department', description: 'Issuing department' },
      { name: 'count', type: 'integer', title: 'Notices', description: 'Notices paid', suppressible: true },
      {
        name: 'medianHours',
        type: 'integer',
        title: 'Median (h)',
        description: 'Median whole hours from issue to payment',
        suppressible: true,
      },
      {
        name: 'p90Hours',
        type: 'integer',
        title: 'p90 (h)',
        description: '90th percentile of whole hours from issue to payment',
        suppressible: true,
      },
      SUPPRESSED_FIELD,
    ],
  },
};

export type Row = Record<string, string | number | boolean | null>;

/** The dataset of an id from outside; own keys only (`constructor` or `toString` is no dataset). */
export function datasetDef(id: string): DatasetDef | undefined {
  return Object.hasOwn(DATASETS, id) ? (DATASETS as Record<string, DatasetDef>)[id] : undefined;
}

/** The row's sort key: key field values joined by `#` (no key value contains `#`). */
export const rowKey = (def: DatasetDef, row: Row): string => def.key.map((f) => String(row[f])).join('#');

/** The row with its fields in Table Schema order: what is stored, served, hashed and written as CSV. */
export function orderedRow(def: DatasetDef, row: Row): Row {
  const out: Row = {};
  for (const f of def.fields) out[f.name] = row[f.name] ?? null;
  return out;
}

/** SHA-256 (hex) of the release content: one JSON line per row, rows in key order, fields in schema order. */
export function contentSha256(def: DatasetDef, rows: readonly Row[]): string {
  const h = createHash('sha256');
  rows.forEach((r, i) => {
    h.update((i ? '\n' : '') + JSON.stringify(orderedRow(def, r)));
  });
  return h.digest('hex');
}

export function tableSchema(def: DatasetDef) {
  return {
    fields: def.fields.map((f) => ({
      name: f.name,
      type: f.type,
      title: f.title,
      description: f.suppressible ? `${f.description}. Empty (null) when the row is suppressed.` : f.description,
      ...(f.type === 'integer' ? { constraints: { minimum: 0 } } : {}),
    })),
    // Suppressed figures are written as the empty string in CSV and null in JSON.
    missingValues: [{ value: '', label: 'suppressed (small cell) or not applicable' }],
    primaryKey: def.key,
  };
}

/**
 * One CSV field. Text that a spreadsheet would read as a formula (a leading `=`, `+`, `-`, `@`, tab or
 * carriage return: a fee item's legal basis may be `=1+1`) is neutralised as OWASP advises: prefixed
 * with a single quote and quoted. Numbers and booleans are written as they are (a number is never a
 * formula), so they stay numbers.
 */
const csvCell = (v: string | number | boolean | null): string => {
  if (v === null) return '';
  if (typeof v !== 'string') return String(v);
  if (/^[=+\-@\t\r]/.test(v)) return `"'${v.replace(/"/g, '""')}"`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
};

/** RFC 4180 CSV (CRLF), header from the Table Schema. */
export function toCsv(def: DatasetDef, rows: readonly Row[]): string {
  const lines = [def.fields.map((f) => f.name).join(',')];
  for (const r of rows) lines.push(def.fields.map((f) => csvCell(r[f.name] ?? null)).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** Parses a filter value into the field's type; undefined when it cannot be one. */
export function filterValue(field: FieldDef, raw: string): string | number | boolean | undefined {
  switch (field.type) {
    case 'integer':
      return /^-?\d{1,15}$/.test(raw) ? Number(raw) : undefined;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : undefined;
    default:
      return raw.length > 0 && raw.length <= 200 ? raw : undefined;
  }
}
