import type { Department, FeeItem } from '../../schemas/catalog';
import type { Clock } from '../shared/domain/clock';

/** What the catalog needs from storage: departments, and every immutable version of every fee item. */
export interface CatalogStore {
  /** Throws `department-exists` when the id is taken. */
  putDepartment(d: Department): Promise<void>;
  getDepartment(id: string): Promise<Department | undefined>;
  listDepartments(): Promise<Department[]>;
  /** Versions of one item, ascending by version. */
  listVersions(code: string): Promise<FeeItem[]>;
  /** Every version of every item (the catalog is small: hundreds of items). */
  listAllVersions(): Promise<FeeItem[]>;
  /** Conditional on (code, version) being new; throws `concurrent-update` (or `fee-item-exists` for v1). */
  putVersion(item: FeeItem): Promise<void>;
}

export type { Clock };
