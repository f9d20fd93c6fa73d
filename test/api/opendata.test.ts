import Ajv from 'ajv';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { waitForAggregation } from '../../infra/local/streams';
import { publish } from '../../functions/opendata/domain/publishing';
import { publishDeps } from '../../functions/opendata/wiring';
import { theClock } from '../../functions/shared/wiring';
import { DATASET_IDS } from '../../schemas/opendata';
import type { PaymentRecord } from '../../schemas/records';
import { writePaymentsTable } from '../integration/opendata/support';
import { attack } from '../unit/opendata/attacker';
import { prng, syntheticPayment, syntheticRefund, universe } from '../unit/opendata/fixtures';
import { api, token, uniq, type ApiResponse } from '../support/api';
import { pollPublication, publishAndWait } from '../support/publish';

/**
 * Open data over HTTP through the local gateway. Records are written straight into the Payments
 * table (the stream source), in months of their own (2023), and published on demand.
 */
// Vendored copies of the published schemas (see test/standards/README.md), so CI needs nothing outside the repo.
const STANDARDS = resolve(import.meta.dirname, '..', 'standards');
const readJson = (dir: string) =>
  readdirSync(join(STANDARDS, dir)).map(
    (f) => JSON.parse(readFileSync(join(STANDARDS, dir, f), 'utf8')) as Record<string, unknown>,
  );

function dcatValidator() {
  const ajv = new Ajv04({ unicodeRegExp: false, allErrors: true, strict: false });
  addFormats(ajv);
  for (const s of readJson('dcat-us-1.1')) ajv.addSchema(s);
  return ajv.getSchema('https://project-open-data.cio.gov/v1.1/schema/catalog.json#')!;
}

function dataPackageValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addFormat('textarea', true);
  return ajv.compile(JSON.parse(readFileSync(join(STANDARDS, 'frictionless-v2', 'datapackage.json'), 'utf8')));
}

async function signUp(name = 'Open Data Lab', email = 'lab@example.org'): Promise<string> {
  const r = await api('POST', '/v1/open/keys', { body: { name, email, purpose: 'research on service times' } });
  expect(r.status).toBe(201);
  return r.body.apiKey;
}

const keyed = (key: string, path: string, headers: Record<string, string> = {}) =>
  api('GET', path, { headers: { 'x-api-key': key, ...headers } });

let finance: string;
let key: string;
let firstRelease: string;
let secondRelease: string;
const tag = uniq();
const depts = [`OA${tag}`, `OB${tag}`];

function seed(months: string[], count: number, seedNo: number): PaymentRecord[] {
  const u = universe({ departments: 2, feesPerDepartment: 3, months });
  u.fees = new Map(
    [...u.fees.values()].map((fees, i) => [depts[i]!, fees.map((f) => ({ ...f, code: `${f.code}-${tag}` }))]),
  );
  u.departments = depts;
  const rand = prng(seedNo);
  return Array.from({ length: count }, (_, i) =>
    syntheticPayment(u, seedNo * 10_000 + i, rand, { paymentId: `P${tag}-${seedNo}-${i}` }),
  );
}

beforeAll(async () => {
  finance = await token({ role: 'finance' });
  key = await signUp();
  const payments = seed(['2023-04', '2023-05'], 160, 1);
  const refunds = payments.slice(0, 10).map((p, i) => ({ ...syntheticRefund(p, i), refundId: `RF${tag}-${i}` }));
  await waitForAggregation(await writePaymentsTable([...payments, ...refunds]));
  const first = await publishAndWait(finance);
  firstRelease = first.publicationId;
  await waitForAggregation(await writePaymentsTable(seed(['2023-06'], 60, 2)));
  // published: false when a test file running alongside published the same content a moment earlier.
  const second = await publishAndWait(finance);
  secondRelease = second.publicationId;
  expect(secondRelease).not.toBe(firstRelease);
});

async function allRows(datasetId: string, release: string, apiKey = key): Promise<any[]> {
  const rows: any[] = [];
  let cursor: string | null = null;
  do {
    const r: ApiResponse = await keyed(
      apiKey,
      `/v1/open/datasets/${datasetId}/rows?release=${release}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(r.status).toBe(200);
    rows.push(...r.body.items);
    cursor = r.body.nextCursor;
  } while (cursor);
  return rows;
}

describe('API keys', () => {
  it('issues a key once on sign-up and rejects bad sign-ups naming the field', async () => {
    const r = await api('POST', '/v1/open/keys', { body: { name: 'A', email: 'a@example.org', purpose: 'apps' } });
    expect(r.status).toBe(201);
    expect(r.body.apiKey).toMatch(/^odk_[A-Za-z0-9_-]{32}$/);
    const bad = await api('POST', '/v1/open/keys', {
      body: { name: 'A', email: 'not-an-email', purpose: 'x', extra: 1 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['email', 'extra']);
  });

  it('answers 403 api-key-required on data routes without a key or with an unknown one', async () => {
    for (const path of [
      '/v1/open/datasets',
      '/v1/open/datasets/monthly-collections',
      '/v1/open/datasets/monthly-collections/rows',
      '/v1/open/datasets/fee-catalog/releases',
    ]) {
      const none = await api('GET', path);
      expect(none.status, path).toBe(403);
      expect(none.body.type).toMatch(/\/api-key-required$/);
      expect((await keyed('odk_unknown', path)).status).toBe(403);
    }
    // Public ones need none.
    expect((await api('GET', '/v1/open/data.json')).status).toBe(200);
    expect((await api('GET', '/v1/open/datasets/fee-catalog/datapackage.json')).status).toBe(200);
  });

  it('throttles each key with 429 and Retry-After', async () => {
    const mine = await signUp();
    const statuses: ApiResponse[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(...(await Promise.all(Array.from({ length: 20 }, () => keyed(mine, '/v1/open/datasets')))));
    const limited = statuses.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(10);
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited[0]!.body.type).toMatch(/\/rate-limited$/);
    // Another consumer is not affected.
    expect((await keyed(key, '/v1/open/datasets')).status).toBe(200);
  });
});

describe('publishing', () => {
  it('lets admin and finance publish, and nobody else', async () => {
    expect((await api('POST', '/v1/open/publish')).status).toBe(401);
    expect(
      (await api('POST', '/v1/open/publish', { token: await token({ role: 'clerk', window: 'W01' }) })).status,
    ).toBe(403);
    const r = await publishAndWait(await token({ role: 'admin' }));
    expect(r.releases).toHaveLength(4);
  });

  it('lists datasets and immutable releases with sha256, rowCount and the disclosure report', async () => {
    const list = await keyed(key, '/v1/open/datasets');
    expect(list.body.items.map((d: { id: string }) => d.id).sort()).toEqual([...DATASET_IDS].sort());
    const releases = await keyed(key, '/v1/open/datasets/monthly-collections/releases');
    const ids = releases.body.items.map((r: { id: string }) => r.id);
    expect(ids).toEqual(expect.arrayContaining([firstRelease, secondRelease]));
    const second = releases.body.items.find((r: { id: string }) => r.id === secondRelease);
    expect(second).toMatchObject({
      datasetId: 'monthly-collections',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      disclosure: { k: 5 },
    });
    expect(second.disclosure.smallestPublishedCount).toBeGreaterThanOrEqual(5);
    const detail = await keyed(key, '/v1/open/datasets/monthly-collections');
    expect(detail.body.schema.fields.map((f: { name: string }) => f.name)).toEqual([
      'month',
      'departmentId',
      'feeCode',
      'paymentCount',
      'amount',
      'refundCount',
      'refundAmount',
      'suppressed',
    ]);
    expect((await keyed(key, '/v1/open/datasets/no-such')).status).toBe(404);
  });
});

describe('rows', () => {
  it('serves a release as JSON pages by keyset cursor and filters on any field', async () => {
    const all = await allRows('monthly-collections', secondRelease);
    const mine = all.filter((r) => depts.includes(r.departmentId));
    expect(new Set(mine.map((r) => r.month))).toEqual(new Set(['2023-04', '2023-05', '2023-06']));
    const pages: any[] = [];
    let cursor: string | null = null;
    do {
      const r: ApiResponse = await keyed(
        key,
        `/v1/open/datasets/monthly-collections/rows?release=${secondRelease}&departmentId=${depts[0]}&limit=4${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(r.status).toBe(200);
      expect(r.body.release.id).toBe(secondRelease);
      pages.push(...r.body.items);
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(pages).toEqual(all.filter((r) => r.departmentId === depts[0]));
    const suppressed = await keyed(
      key,
      `/v1/open/datasets/monthly-collections/rows?release=${secondRelease}&suppressed=true&limit=1000`,
    );
    expect(suppressed.body.items).toEqual(all.filter((r) => r.suppressed));
    expect(suppressed.body.items.every((r: any) => r.paymentCount === null && r.amount === null)).toBe(true);
  });

  it('answers a cursor reused with other filters from the filtered range, never with an error', async () => {
    const base = `/v1/open/datasets/monthly-collections/rows?release=${secondRelease}`;
    const early = await keyed(key, `${base}&limit=1`);
    const filtered = await keyed(key, `${base}&month=2023-06&departmentId=${depts[0]}&limit=1000`);
    const fromEarly = await keyed(
      key,
      `${base}&month=2023-06&departmentId=${depts[0]}&limit=1000&cursor=${early.body.nextCursor}`,
    );
    expect(fromEarly.status).toBe(200);
    expect(fromEarly.body.items).toEqual(filtered.body.items);
    const last = await keyed(
      key,
      `${base}&month=2023-06&departmentId=${depts[0]}&feeCode=${filtered.body.items[0].feeCode}&limit=1000&cursor=${early.body.nextCursor}`,
    );
    expect(last.status).toBe(200);
    const forged = Buffer.from(JSON.stringify({ r: 'x'.repeat(2000), k: 'y' }))
      .toString('base64url')
      .slice(0, 2000);
    expect((await keyed(key, `${base}&cursor=${forged}`)).status).toBe(400);
  });

  it('serves earlier releases unchanged', async () => {
    const first = await allRows('monthly-collections', firstRelease);
    expect(first.filter((r) => depts.includes(r.departmentId) && r.month === '2023-06')).toEqual([]);
    expect(first.filter((r) => depts.includes(r.departmentId)).length).toBeGreaterThan(0);
  });

  it('serves CSV for Accept: text/csv, UTF-8, empty cells for suppressed figures', async () => {
    const r = await keyed(
      key,
      `/v1/open/datasets/monthly-collections/rows?release=${secondRelease}&departmentId=${depts[1]}&limit=1000`,
      { accept: 'text/csv' },
    );
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    const [header, ...lines] = r.text.trimEnd().split('\r\n');
    expect(header).toBe('month,departmentId,feeCode,paymentCount,amount,refundCount,refundAmount,suppressed');
    const json = await keyed(
      key,
      `/v1/open/datasets/monthly-collections/rows?release=${secondRelease}&departmentId=${depts[1]}&limit=1000`,
    );
    expect(lines).toHaveLength(json.body.items.length);
    json.body.items.forEach((row: any, i: number) => {
      expect(lines[i]).toBe(
        Object.values(row)
          .map((v) => (v === null ? '' : String(v)))
          .join(','),
      );
    });
    const catalogCsv = await keyed(key, `/v1/open/datasets/fee-catalog/rows?format=csv`);
    expect(Buffer.from(catalogCsv.text, 'utf8').toString('utf8')).toBe(catalogCsv.text);
  });

  it('answers 304 to If-None-Match with the ETag', async () => {
    const path = `/v1/open/datasets/daily-channel-volume/rows?release=${secondRelease}&limit=5`;
    const first = await keyed(key, path);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    const again = await keyed(key, path, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect((await keyed(key, path.replace('limit=5', 'limit=6'), { 'if-none-match': etag })).status).toBe(200);
  });

  it('rejects bad paging and filters with 400 naming the parameter', async () => {
    const cases: [string, string][] = [
      ['limit=1001', 'limit'],
      ['limit=0', 'limit'],
      ['cursor=%%%', 'cursor'],
      ['payerName=x', 'payerName'],
      ['paymentCount=lots', 'paymentCount'],
      ['release=../../x', 'release'],
    ];
    for (const [q, field] of cases) {
      const r = await keyed(key, `/v1/open/datasets/monthly-collections/rows?${q}`);
      expect(r.status, q).toBe(400);
      expect(
        r.body.errors.map((e: { path: string }) => e.path),
        q,
      ).toContain(field);
    }
    expect(
      (await keyed(key, '/v1/open/datasets/monthly-collections/rows?release=20990101T000000000Z-000000')).status,
    ).toBe(404);
  });

  it('leaves nothing recoverable across the datasets of a release', async () => {
    const [monthly, daily, notice] = await Promise.all(
      ['monthly-collections', 'daily-channel-volume', 'notice-to-payment-time'].map((d) => allRows(d, secondRelease)),
    );
    const result = attack({ monthly: monthly!, daily: daily!, notice: notice! });
    expect(result.singleUnknown).toEqual([]);
    expect(result.determined).toEqual([]);
  });
});

describe('standards', () => {
  it('serves a DCAT-US 1.1 catalog that validates against the schema', async () => {
    const r = await api('GET', '/v1/open/data.json');
    const validate = dcatValidator();
    expect(validate(r.body), JSON.stringify(validate.errors)).toBe(true);
    expect(r.body.dataset).toHaveLength(DATASET_IDS.length);
    // The validator is not a rubber stamp.
    expect(validate({ ...r.body, dataset: [{ ...r.body.dataset[0], accessLevel: 'secret' }] })).toBe(false);
  });

  it('serves a Frictionless Data Package v2 per dataset that validates, with suppression explained in the Table Schema', async () => {
    const validate = dataPackageValidator();
    for (const id of DATASET_IDS) {
      const r = await api('GET', `/v1/open/datasets/${id}/datapackage.json`);
      expect(r.status).toBe(200);
      expect(validate(r.body), `${id}: ${JSON.stringify(validate.errors)}`).toBe(true);
      const schema = r.body.resources[0].schema;
      expect(schema.missingValues).toEqual([{ value: '', label: expect.any(String) }]);
      if (id !== 'fee-catalog')
        expect(schema.fields.find((f: { name: string }) => f.name === 'suppressed')).toMatchObject({ type: 'boolean' });
    }
    expect(validate({ resources: [{ name: 'x', path: '/etc/passwd' }] })).toBe(false);
    expect((await api('GET', '/v1/open/datasets/nope/datapackage.json')).status).toBe(404);
  });
});

describe('public release files', () => {
  it('serves every CSV download the catalog links to without a key, cacheable for a year', async () => {
    const catalog = await api('GET', '/v1/open/data.json');
    const downloads = catalog.body.dataset.flatMap((d: any) =>
      d.distribution.filter((x: any) => x.downloadURL && x.mediaType === 'text/csv').map((x: any) => x.downloadURL),
    );
    expect(downloads).toHaveLength(DATASET_IDS.length);
    for (const url of downloads) {
      const r = await fetch(url); // no key
      expect(r.status, url).toBe(200);
      // Links are built from the Host the server saw: the gateway's, since the validating proxy forwards there.
      expect(url.startsWith(`${inject('gatewayUrl')}/open-data/`), url).toBe(true);
      expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
      expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const etag = r.headers.get('etag')!;
      await r.arrayBuffer();
      expect((await fetch(url, { headers: { 'if-none-match': etag } })).status).toBe(304);
      expect((await fetch(url, { method: 'HEAD' })).status).toBe(200);
    }
  });

  it('holds the whole release, as the rows route writes it, with the size and hash the release states', async () => {
    const releases = await keyed(key, '/v1/open/datasets/monthly-collections/releases');
    const release = releases.body.items.find((r: { id: string }) => r.id === secondRelease);
    expect(release.file.path).toBe(`open-data/monthly-collections/${secondRelease}.csv`);
    // Release files are static, outside the API document: fetched from the gateway, not through the proxy.
    const file = await fetch(`${inject('gatewayUrl')}/${release.file.path}`);
    const body = Buffer.from(await file.arrayBuffer());
    expect(body.length).toBe(release.file.bytes);
    expect(createHash('sha256').update(body).digest('hex')).toBe(release.file.sha256);
    let csv = '';
    let cursor: string | null = null;
    do {
      const page: ApiResponse = await keyed(
        key,
        `/v1/open/datasets/monthly-collections/rows?release=${secondRelease}&format=csv&limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
      );
      csv += csv ? page.text.slice(page.text.indexOf('\r\n') + 2) : page.text;
      cursor = page.headers.get('x-next-cursor');
    } while (cursor);
    expect(body.toString('utf8')).toBe(csv);
    const pkg = await api('GET', '/v1/open/datasets/monthly-collections/datapackage.json');
    if (pkg.body.version === secondRelease)
      expect(pkg.body.resources[0]).toMatchObject({
        path: `${inject('gatewayUrl')}/${release.file.path}`,
        bytes: release.file.bytes,
        hash: `sha256:${release.file.sha256}`,
      });
  });

  it('serves nothing else under /open-data/', async () => {
    for (const path of [
      '/open-data/monthly-collections/20990101T000000000Z-000000.csv',
      '/open-data/no-such/x.csv',
      '/open-data/..%2F..%2Fkeys%2Fauth.jwk.json',
      '/open-data/monthly-collections/../../keys/auth.jwk.json',
      '/open-data/constructor/x.csv',
    ]) {
      const r = await fetch(`${inject('apiUrl')}${path}`);
      expect(r.status, path).toBe(404);
      expect(await r.text()).not.toContain('"d"');
    }
  });
});

describe('publication jobs', () => {
  it('answers 202 with a job and its Location at once, and the job reports the releases when done', async () => {
    const r = await api('POST', '/v1/open/publish', { token: finance });
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ jobId: expect.any(String), status: 'queued', requestedAt: expect.any(String) });
    expect(r.headers.get('location')).toBe(`${inject('gatewayUrl')}/v1/open/publications/${r.body.jobId}`);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    const job = await pollPublication(r.headers.get('location')!, finance);
    expect(job.body).toMatchObject({
      jobId: r.body.jobId,
      status: 'succeeded',
      publicationId: expect.any(String),
      published: expect.any(Boolean),
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
    });
    expect(job.body.releases).toHaveLength(4);
    expect(job.headers.get('cache-control')).toBe('no-store');
  });

  it('lets admin and finance read jobs; 404 for an unknown one, 400 naming jobId for a malformed one', async () => {
    const admin = await token({ role: 'admin' });
    const unknown = await api('GET', '/v1/open/publications/20990101T000000000Z-000000000000', { token: admin });
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toMatch(/\/publication-job-unknown$/);
    const bad = await api('GET', '/v1/open/publications/not-a-job', { token: admin });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['jobId']);
    expect(bad.text).not.toContain('not-a-job');
    expect((await api('GET', '/v1/open/publications/20990101T000000000Z-000000000000')).status).toBe(401);
    const clerk = await token({ role: 'clerk', window: 'W01' });
    expect((await api('GET', '/v1/open/publications/20990101T000000000Z-000000000000', { token: clerk })).status).toBe(
      403,
    );
  });
});

describe('showing a key again', () => {
  it('gives the owner who presents the management token the same key, never cached', async () => {
    const issued = await api('POST', '/v1/open/keys', {
      body: { name: 'Lab', email: 'lab@example.org', purpose: 'keys shown again' },
    });
    expect(issued.status).toBe(201);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    const { apiKey, keyId, managementToken } = issued.body;
    expect(managementToken).toMatch(/^odm_[A-Za-z0-9_-]{32}$/);
    const shown = await api('POST', `/v1/open/keys/${keyId}/reveal`, { body: { managementToken } });
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual({ apiKey, keyId, createdAt: issued.body.createdAt });
    expect(shown.headers.get('cache-control')).toBe('no-store');
    expect((await keyed(shown.body.apiKey, '/v1/open/datasets')).status).toBe(200);
  });

  it('refuses a wrong token or an unknown key alike, and names bad fields without echoing them', async () => {
    const a = (await api('POST', '/v1/open/keys', { body: { name: 'A', email: 'a@example.org', purpose: 'x' } })).body;
    const b = (await api('POST', '/v1/open/keys', { body: { name: 'B', email: 'b@example.org', purpose: 'x' } })).body;
    const wrong = await api('POST', `/v1/open/keys/${a.keyId}/reveal`, {
      body: { managementToken: b.managementToken },
    });
    const unknown = await api('POST', '/v1/open/keys/0123456789abcdef/reveal', {
      body: { managementToken: a.managementToken },
    });
    for (const r of [wrong, unknown]) {
      expect(r.status).toBe(403);
      expect(r.body.type).toMatch(/\/management-token-invalid$/);
      expect(r.text).not.toContain(a.apiKey);
    }
    expect(unknown.body).toEqual(wrong.body);
    const malformed = await api('POST', '/v1/open/keys/XYZ/reveal', { body: { managementToken: 'odm_short' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors.map((e: { path: string }) => e.path)).toEqual(['managementToken']);
    expect(malformed.text).not.toContain('odm_short');
    const badId = await api('POST', '/v1/open/keys/XYZ/reveal', { body: { managementToken: a.managementToken } });
    expect(badId.body.errors.map((e: { path: string }) => e.path)).toEqual(['keyId']);
  });
});

describe('canary payers', () => {
  const canary = {
    name: `金丝雀${tag}`,
    latinName: `Canary Zzyzx ${tag}`,
    idNumber: '11010519491231002X',
    phone: '13912345678',
    email: `canary.${tag.toLowerCase()}@example.org`,
  };
  const needles = [canary.name, canary.latinName, canary.idNumber, canary.phone, canary.email, tag.toLowerCase() + '@'];

  it('never appear in any byte of any release, distribution or open-data response', async () => {
    const admin = await token({ role: 'admin' });
    const clerk = await token({ role: 'clerk', window: 'W09' });
    // 1. Real notices for canary payers (the pipeline never sees the Notices table), paid at the window.
    const dept = `C${tag}`;
    const fee = `CF-${tag}`;
    expect((await api('POST', '/v1/departments', { token: admin, body: { id: dept, name: '金丝雀局' } })).status).toBe(
      201,
    );
    expect(
      (
        await api('POST', '/v1/fee-items', {
          token: admin,
          body: {
            code: fee,
            departmentId: dept,
            name: '工本费',
            category: 'administrative-fee',
            legalBasis: '《条例》',
            approvedBy: '发改委',
            pricing: { kind: 'fixed', amount: 1500 },
          },
        })
      ).status,
    ).toBe(201);
    const deptToken = await token({ role: 'department', dept });
    const paymentKeys: string[] = [];
    for (let i = 0; i < 6; i++) {
      const n = await api('POST', '/v1/notices', {
        token: deptToken,
        body: {
          payer: { name: canary.name, idType: 'resident-id', idNumber: canary.idNumber, phone: canary.phone },
          lines: [{ feeCode: fee }],
        },
      });
      expect(n.status).toBe(201);
      const p = await api('POST', '/v1/payments', {
        token: clerk,
        headers: { 'idempotency-key': randomUUID() },
        body: {
          noticeNos: [n.body.noticeNo],
          channel: i % 2 ? 'card' : 'cash',
          amount: n.body.total,
          ...(i % 2 ? { bankRef: `CB${tag}${i}` } : {}),
        },
      });
      expect(p.status).toBe(201);
      paymentKeys.push(`PAY#${p.body.paymentId}`);
    }
    // 2. Records whose free-text fields carry the canaries, as a careless writer might.
    const rand = prng(99);
    const u = universe({ departments: 1, feesPerDepartment: 1, months: ['2023-08'] });
    u.departments = [dept];
    u.fees = new Map([[dept, [{ code: fee, amount: 1500 }]]]);
    const leaky = Array.from({ length: 7 }, (_, i) =>
      syntheticPayment(u, i, rand, {
        paymentId: `P${tag}-canary-${i}`,
        bankRef: canary.phone,
        windowId: canary.name,
        receiptNo: canary.idNumber,
        noticeNos: [canary.latinName],
      }),
    );
    for (const p of leaky) for (const l of p.lines) l.noticeNo = `${canary.latinName} ${canary.phone}`;
    paymentKeys.push(...(await writePaymentsTable(leaky)));
    await waitForAggregation(paymentKeys);
    // 3. A consumer signing up with canary contact data.
    const canaryKey = await signUp(canary.latinName, canary.email);

    // Publish as of next month's business date too, so this month's real payments are in a release. The
    // release is dated now all the same: one dated next month (publish's `at`) would sort after every
    // publication of this run and stay every dataset's latest release, so the test files running
    // alongside (the portal's open-data pages) could never see their own publications again.
    const clock = theClock();
    const today = clock.today();
    const nextMonth = new Date(Date.UTC(Number(today.slice(0, 4)), Number(today.slice(5, 7)), 1, 12));
    const nextMonthsDate = clock.dateOf(nextMonth);
    const asOfNextMonth = { now: () => clock.now(), dateOf: () => nextMonthsDate, today: () => nextMonthsDate };
    const future = await publish({ ...publishDeps(), clock: asOfNextMonth });
    const current = await publishAndWait(finance);
    const releases = [future.publicationId, current.publicationId];
    // The publication requested after it is the later one, so "latest" is back to completed months only.
    expect(current.publicationId > future.publicationId).toBe(true);
    const latest = (await api('GET', '/v1/open/datasets/monthly-collections/datapackage.json')).body.version;
    expect(latest >= current.publicationId, latest).toBe(true);

    const bodies: string[] = [];
    const collect = (r: ApiResponse) => bodies.push(r.text, JSON.stringify([...r.headers]));
    collect(await api('GET', '/v1/open/data.json'));
    for (const k of [key, canaryKey]) collect(await keyed(k, '/v1/open/datasets'));
    for (const id of DATASET_IDS) {
      collect(await api('GET', `/v1/open/datasets/${id}/datapackage.json`));
      collect(await keyed(canaryKey, `/v1/open/datasets/${id}`));
      collect(await keyed(canaryKey, `/v1/open/datasets/${id}/releases`));
      for (const release of releases)
        for (const format of ['json', 'csv']) {
          let cursor: string | null = null;
          do {
            const r: ApiResponse = await keyed(
              canaryKey,
              `/v1/open/datasets/${id}/rows?release=${release}&format=${format}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
            );
            expect(r.status).toBe(200);
            collect(r);
            cursor = format === 'json' ? r.body.nextCursor : r.headers.get('x-next-cursor');
          } while (cursor);
          await new Promise((ok) => setTimeout(ok, 150)); // stay under the per-key rate
        }
    }
    // The canary cells did reach the published data (so the scan looked where they would be).
    const monthly = await allRows('monthly-collections', future.publicationId, canaryKey);
    expect(monthly.filter((r) => r.departmentId === dept).map((r) => r.month)).toEqual(
      expect.arrayContaining(['2023-08', today.slice(0, 7)]),
    );

    const everything = bodies.join('\n');
    // Cursors, ETags and ids are opaque base64url: decode every such token too.
    const decoded =
      everything +
      (everything.match(/[A-Za-z0-9_-]{16,}/g) ?? [])
        .map((t) => Buffer.from(t, 'base64url').toString('utf8'))
        .join('\n');
    expect(decoded).toContain('"k":'); // the cursors were decoded
    for (const needle of needles) expect(decoded.includes(needle), needle).toBe(false);
  });
});
