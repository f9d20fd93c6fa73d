import type { CreateFeeItem, Department, FeeItem, NewFeeItemVersion } from '../../../schemas/catalog';
import { DomainError } from '../../shared/domain/errors';
import type { CatalogStore, Clock } from '../ports';

/** The version of one item in force on `date`, or undefined (not yet in force, or retired). */
export function versionInForce(versions: readonly FeeItem[], date: string): FeeItem | undefined {
  let best: FeeItem | undefined;
  for (const v of versions) if (v.effectiveFrom <= date && (!best || v.version > best.version)) best = v;
  if (!best || (best.effectiveTo !== undefined && best.effectiveTo < date)) return undefined;
  return best;
}

/** Groups versions by code, ascending by version. */
export function groupByCode(versions: readonly FeeItem[]): Map<string, FeeItem[]> {
  const byCode = new Map<string, FeeItem[]>();
  for (const v of versions) {
    const list = byCode.get(v.code) ?? [];
    list.push(v);
    byCode.set(v.code, list);
  }
  for (const list of byCode.values()) list.sort((a, b) => a.version - b.version);
  return byCode;
}

/**
 * The public fee catalog (收费公示). Invariants:
 * - a fee item version is immutable; a change is a new version, and every version stays readable;
 * - no version may take effect in the past (a published fee is never changed after the fact);
 * - the version in force on a date is the latest-published version whose period covers that date.
 */
export class Catalog {
  constructor(
    private readonly store: CatalogStore,
    private readonly clock: Clock,
  ) {}

  private today(): string {
    return this.clock.today();
  }

  private notInThePast(date: string): void {
    if (date < this.today())
      throw new DomainError(
        'retroactive-change',
        `effectiveFrom lies before today (${this.today()}); a published fee is never changed after the fact`,
        [{ path: 'effectiveFrom', message: 'must not be in the past' }],
      );
  }

  async createDepartment(d: Department): Promise<Department> {
    await this.store.putDepartment(d);
    return d;
  }

  listDepartments(): Promise<Department[]> {
    return this.store.listDepartments();
  }

  async createFeeItem(input: CreateFeeItem): Promise<FeeItem> {
    if (!(await this.store.getDepartment(input.departmentId)))
      throw new DomainError('department-unknown', 'No department with this id', [
        { path: 'departmentId', message: 'unknown department' },
      ]);
    const effectiveFrom = input.effectiveFrom ?? this.today();
    this.notInThePast(effectiveFrom);
    const item: FeeItem = { ...input, effectiveFrom, version: 1, publishedAt: this.clock.now().toISOString() };
    await this.store.putVersion(item);
    return item;
  }

  async publishVersion(code: string, input: NewFeeItemVersion): Promise<FeeItem> {
    const latest = await this.latest(code);
    const effectiveFrom = input.effectiveFrom ?? this.today();
    this.notInThePast(effectiveFrom);
    const item: FeeItem = {
      ...input,
      code,
      departmentId: latest.departmentId,
      effectiveFrom,
      version: latest.version + 1,
      publishedAt: this.clock.now().toISOString(),
    };
    await this.store.putVersion(item);
    return item;
  }

  /**
   * Retirement is a new version with the same standard and an end date, so history stays intact and
   * `asOf` after the end date finds nothing in force.
   */
  async retire(code: string, effectiveTo: string): Promise<FeeItem> {
    const latest = await this.latest(code);
    if (effectiveTo < this.today())
      throw new DomainError('retroactive-change', 'effectiveTo lies in the past', [
        { path: 'effectiveTo', message: 'must not be in the past' },
      ]);
    if (effectiveTo < latest.effectiveFrom)
      throw new DomainError('validation-failed', 'effectiveTo precedes the version it ends', [
        { path: 'effectiveTo', message: `must not be before ${latest.effectiveFrom}` },
      ]);
    if (latest.effectiveTo !== undefined && latest.effectiveTo <= effectiveTo)
      throw new DomainError('fee-item-retired', `The fee item already ends on ${latest.effectiveTo}`);
    const item: FeeItem = {
      ...latest,
      effectiveTo,
      version: latest.version + 1,
      publishedAt: this.clock.now().toISOString(),
    };
    await this.store.putVersion(item);
    return item;
  }

  async history(code: string): Promise<{ current: FeeItem | null; versions: FeeItem[] }> {
    const versions = await this.store.listVersions(code);
    if (versions.length === 0) throw new DomainError('not-found', 'No fee item with this code');
    return { current: versionInForce(versions, this.today()) ?? null, versions };
  }

  async inForce(asOf: string | undefined, department?: string): Promise<FeeItem[]> {
    const date = asOf ?? this.today();
    const out: FeeItem[] = [];
    for (const versions of groupByCode(await this.store.listAllVersions()).values()) {
      const v = versionInForce(versions, date);
      if (v && (!department || v.departmentId === department)) out.push(v);
    }
    return out.sort((a, b) => a.code.localeCompare(b.code));
  }

  private async latest(code: string): Promise<FeeItem> {
    const versions = await this.store.listVersions(code);
    const latest = versions.at(-1);
    if (!latest) throw new DomainError('not-found', 'No fee item with this code');
    return latest;
  }
}
