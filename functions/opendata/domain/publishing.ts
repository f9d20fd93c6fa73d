import { randomBytes } from 'node:crypto';
import { groupByCode, versionInForce } from '../../catalog';
import { DATASET_IDS, type DatasetId, type Release } from '../../../schemas/opendata';
import { DomainError } from '../../shared/domain/errors';
import type { AggregateStore, CatalogReader, Clock, Counters, ReleaseFileStore, ReleaseStore } from '../ports';
import { percentileHours } from './aggregation';
import { DATASETS, contentSha256, orderedRow, rowKey, type Row } from './datasets';
import {
  DEFAULT_MIN_CELL,
  DisclosureUnresolved,
  suppressSmallCells,
  type DatasetDisclosure,
  type DisclosureCell,
  type Relation,
  type SuppressionResult,
} from './disclosure';
import { writeReleaseFile } from './releaseFiles';

/**
 * Publishing a release of every dataset (the publisher Lambda, the local scheduler and
 * POST /v1/open/publish all come here):
 * 1. read the aggregates of every COMPLETED business month (a month's figures are final once it is
 *    over, so successive releases never differ in a published period: no differencing between releases);
 * 2. build the rows of monthly-collections, daily-channel-volume and notice-to-payment-time, and the
 *    linear relations that tie them together;
 * 3. suppress small cells and their complements over all three at once (disclosure.ts);
 * 4. the fee catalog in force today;
 * 5. store each dataset's rows under a new immutable release (public CSV file and rows first, release
 *    record last), unless nothing changed since the last publication.
 */
export interface BuiltDataset {
  id: DatasetId;
  rows: Row[];
  disclosure: DatasetDisclosure;
}

export interface Publication {
  periodsUpTo: string | null;
  datasets: BuiltDataset[];
}

const AGGREGATE_DATASETS = ['monthly-collections', 'daily-channel-volume', 'notice-to-payment-time'] as const;
type AggregateDatasetId = (typeof AGGREGATE_DATASETS)[number];

/**
 * Builds every dataset's rows, suppression applied, as of the business date `today`; pure apart from
 * reading the two stores.
 */
export async function buildPublication(
  aggregates: AggregateStore,
  catalog: CatalogReader,
  opts: { today: string; k: number },
): Promise<Publication> {
  const currentMonth = opts.today.slice(0, 7);
  const months = (await aggregates.months()).filter((m) => m < currentMonth);
  const tables = new AggregateTables();
  for (const month of months) tables.addMonth(month, await aggregates.cellsOfMonth(month));

  const result = suppress(tables, opts.k);
  const datasets: BuiltDataset[] = AGGREGATE_DATASETS.map((id) => ({
    id,
    rows: sortByKey(id, tables.published(id, result)),
    disclosure: result.byDataset.get(id) ?? emptyDisclosure(opts.k),
  }));
  datasets.unshift({
    id: 'fee-catalog',
    rows: await feeCatalogRows(catalog, opts.today),
    disclosure: emptyDisclosure(opts.k),
  });
  return { periodsUpTo: months.at(-1) ?? null, datasets };
}

/** Small-cell suppression over the three aggregate datasets at once; fails closed as a DomainError. */
function suppress(tables: AggregateTables, k: number): SuppressionResult {
  try {
    return suppressSmallCells(tables.cells, tables.relations, k);
  } catch (e) {
    if (e instanceof DisclosureUnresolved) throw new DomainError('disclosure-unresolved', e.message);
    throw e;
  }
}

/** The rows of the three aggregate datasets, with the disclosure cells and the relations that tie them. */
class AggregateTables {
  readonly rows: Record<AggregateDatasetId, Row[]> = {
    'monthly-collections': [],
    'daily-channel-volume': [],
    'notice-to-payment-time': [],
  };
  readonly cells: DisclosureCell[] = [];
  readonly relations: Relation[] = [];
  private readonly cellIdOf = new Map<Row, string>();

  private addCell(dataset: AggregateDatasetId, row: Row, count: number): string {
    const id = `${dataset}:${rowKey(DATASETS[dataset], row)}`;
    this.rows[dataset].push(row);
    this.cells.push({ id, dataset, count });
    this.cellIdOf.set(row, id);
    return id;
  }

  /** One completed month's cells (shards summed) as rows, and its relations. */
  addMonth(month: string, cellsOfMonth: Map<string, Counters>): void {
    const monthCells = [...cellsOfMonth].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    // R1(month): Σ daily-channel-volume − Σ monthly-collections = 0 (payment counts and amounts).
    const monthTotal: Relation = { name: `month-total ${month}`, terms: [] };
    // R2(month, dept): notice-to-payment count − Σ_fee monthly-collections count = 0.
    const deptTotals = new Map<string, Relation>();
    const deptRelation = (dept: string) =>
      deptTotals.get(dept) ?? deptTotals.set(dept, { name: `department-total ${month} ${dept}`, terms: [] }).get(dept)!;

    for (const [cell, c] of monthCells) {
      const [kind, a, b] = cell.split('#') as [string, string, string | undefined];
      const n = (k: string) => c[k] ?? 0;
      if (kind === 'MC') {
        const id = this.addCell(
          'monthly-collections',
          {
            month,
            departmentId: a,
            feeCode: b!,
            paymentCount: n('paymentCount'),
            amount: n('amount'),
            refundCount: n('refundCount'),
            refundAmount: n('refundAmount'),
          },
          n('paymentCount'),
        );
        // A cell without payments (refunds only) is a structural zero in both relations: it adds nothing
        // to them, and it must not count as a complement that hides another cell.
        if (n('paymentCount') > 0) {
          monthTotal.terms.push({ cell: id, coef: -1 });
          deptRelation(a).terms.push({ cell: id, coef: -1 });
        }
      } else if (kind === 'DC') {
        const id = this.addCell(
          'daily-channel-volume',
          { date: a, channel: b!, paymentCount: n('paymentCount'), amount: n('amount') },
          n('paymentCount'),
        );
        monthTotal.terms.push({ cell: id, coef: 1 });
      } else if (kind === 'NT') {
        const row = {
          month,
          departmentId: a,
          count: n('noticeCount'),
          medianHours: percentileHours(c, 0.5),
          p90Hours: percentileHours(c, 0.9),
        };
        // A median over fewer than k notices, or over the notices of fewer than k payments, says too much.
        const id = this.addCell('notice-to-payment-time', row, Math.min(n('paymentCount'), n('noticeCount')));
        deptRelation(a).terms.push({ cell: id, coef: 1 });
      }
    }
    if (monthTotal.terms.length) this.relations.push(monthTotal);
    this.relations.push(...[...deptTotals.values()].filter((r) => r.terms.length));
  }

  /** A dataset's rows as published: every suppressible figure of a suppressed row is null. */
  published(id: AggregateDatasetId, result: SuppressionResult): Row[] {
    const def = DATASETS[id];
    return this.rows[id].map((row) => {
      const hidden = result.suppressed.has(this.cellIdOf.get(row)!);
      const out: Row = { ...row, suppressed: hidden };
      if (hidden) for (const f of def.fields) if (f.suppressible) out[f.name] = null;
      return orderedRow(def, out);
    });
  }
}

const emptyDisclosure = (k: number): DatasetDisclosure => ({
  k,
  primarySuppressed: 0,
  secondarySuppressed: 0,
  smallestPublishedCount: null,
});

function sortByKey(id: DatasetId, rows: Row[]): Row[] {
  const def = DATASETS[id];
  return rows
    .map((r) => [rowKey(def, r), r] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, r]) => r);
}

/** The public catalog in force on the publication date: published anyway, so nothing is suppressed. */
async function feeCatalogRows(catalog: CatalogReader, date: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const versions of groupByCode(await catalog.listAllVersions()).values()) {
    const v = versionInForce(versions, date);
    if (!v) continue;
    rows.push(
      orderedRow(DATASETS['fee-catalog'], {
        code: v.code,
        name: v.name,
        departmentId: v.departmentId,
        category: v.category,
        legalBasis: v.legalBasis,
        approvedBy: v.approvedBy,
        pricingKind: v.pricing.kind,
        amount: v.pricing.kind === 'fixed' ? v.pricing.amount : v.pricing.unitAmount,
        unit: v.pricing.kind === 'per-unit' ? v.pricing.unit : null,
        effectiveFrom: v.effectiveFrom,
        effectiveTo: v.effectiveTo ?? null,
        version: v.version,
      }),
    );
  }
  return sortByKey('fee-catalog', rows);
}

/** Sortable and unique: the publication instant (compact) and a random suffix. */
export const newPublicationId = (at: Date): string =>
  `${at.toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;

export interface PublishOutcome {
  publicationId: string;
  published: boolean;
  releases: Release[];
}

/** What a publication reads and writes, and the clock that dates it. */
export interface PublishDeps {
  aggregates: AggregateStore;
  catalog: CatalogReader;
  releases: ReleaseStore;
  /** The public release files (releaseFiles.ts). */
  files: ReleaseFileStore;
  clock: Clock;
}

/** Publishes as of `at` (default now): the months completed by its business date, the catalog in force on it. */
export async function publish(deps: PublishDeps, opts: { at?: Date; k?: number } = {}): Promise<PublishOutcome> {
  const at = opts.at ?? deps.clock.now();
  const k = opts.k ?? DEFAULT_MIN_CELL;
  const publication = await buildPublication(deps.aggregates, deps.catalog, { today: deps.clock.dateOf(at), k });
  const built = publication.datasets.map((d) => ({ ...d, sha256: contentSha256(DATASETS[d.id], d.rows) }));

  const latest = await Promise.all(DATASET_IDS.map((id) => deps.releases.latestRelease(id)));
  // A latest release without its public file (published before releases had files) is published again.
  const unchanged = built.every(
    (d) =>
      latest.find((r) => r?.datasetId === d.id)?.sha256 === d.sha256 &&
      latest.every((r) => r?.id === latest[0]?.id && r?.file),
  );
  if (unchanged && latest[0]) return { publicationId: latest[0].id, published: false, releases: latest as Release[] };

  const publicationId = newPublicationId(at);
  const releases: Release[] = [];
  for (const d of built) {
    const release: Release = {
      id: publicationId,
      datasetId: d.id,
      publishedAt: at.toISOString(),
      sha256: d.sha256,
      rowCount: d.rows.length,
      disclosure: d.disclosure,
      periodsUpTo: d.id === 'fee-catalog' ? null : publication.periodsUpTo,
      file: await writeReleaseFile(deps.files, d.id, publicationId, d.rows),
    };
    await deps.releases.putRelease(
      release,
      d.rows.map((r) => ({ key: rowKey(DATASETS[d.id], r), row: r })),
    );
    releases.push(release);
  }
  return { publicationId, published: true, releases };
}
