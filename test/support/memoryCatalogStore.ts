import type { CatalogStore } from '../../functions/catalog/ports';
import { DomainError } from '../../functions/shared/domain/errors';
import type { Department, FeeItem } from '../../schemas/catalog';

/** In-memory CatalogStore for domain unit tests: the same contract as the DynamoDB adapter. */
export class MemoryCatalogStore implements CatalogStore {
  departments = new Map<string, Department>();
  versions: FeeItem[] = [];

  async putDepartment(d: Department) {
    if (this.departments.has(d.id)) throw new DomainError('department-exists');
    this.departments.set(d.id, d);
  }
  async getDepartment(id: string) {
    return this.departments.get(id);
  }
  async listDepartments() {
    return [...this.departments.values()];
  }
  async listVersions(code: string) {
    return this.versions.filter((v) => v.code === code).sort((a, b) => a.version - b.version);
  }
  async listAllVersions() {
    return [...this.versions];
  }
  async putVersion(item: FeeItem) {
    if (this.versions.some((v) => v.code === item.code && v.version === item.version))
      throw new DomainError(item.version === 1 ? 'fee-item-exists' : 'concurrent-update');
    this.versions.push(item);
  }
}
