/**
 * Open data in the browser: the public Data Package of each dataset (no key) and its release's CSV
 * file, parsed here (RFC 4180: quoted fields, doubled quotes, CRLF). Charts and tables read the whole
 * latest release from that file, so they need no API key; the key is for the rows API.
 */
import { call } from './api';

export const DATASET_IDS = ['fee-catalog', 'monthly-collections', 'daily-channel-volume', 'notice-to-payment-time'] as const;
export type DatasetId = (typeof DATASET_IDS)[number];

export interface Field {
  name: string;
  type: string;
}
export interface DataPackage {
  name: string;
  title: string;
  version?: string;
  created?: string;
  resources: {
    path?: string;
    schema: { fields: Field[] };
    'x-release'?: { id: string; rowCount: number; publishedAt: string; disclosure: { k: number } };
  }[];
}

export const packageUrl = (id: string) => `/v1/open/datasets/${encodeURIComponent(id)}/datapackage.json`;
export const readPackage = (id: string) => call<DataPackage>('GET', packageUrl(id));

/** Rows of a CSV text with a header line; an empty field is null (the Data Package's missing value). */
export function parseCsv(text: string): Record<string, string | null>[] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') record.push(field), (field = '');
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      (record = []), (field = '');
    } else field += ch;
  }
  if (field || record.length) record.push(field), records.push(record);
  const [header, ...rows] = records.filter((r) => r.length > 1 || r[0] !== '');
  if (!header) return [];
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] === undefined || r[i] === '' ? null : r[i]!])));
}

export async function readReleaseRows(path: string): Promise<Record<string, string | null>[]> {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`CSV ${res.status}`);
  return parseCsv(await res.text());
}
