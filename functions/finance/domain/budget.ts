import { randomUUID } from 'node:crypto';
import { accounts, buildTransaction } from '../../ledger';
import { DomainError } from '../../shared/domain/errors';
import type { Principal } from '../../shared/domain/principal';
import type { BudgetStore, Clock, DepartmentDirectory } from '../ports';
import type { BudgetAllocationRecord, ExpenditureRecord } from './records';

/**
 * The expenditure line (预算指标 / 支出): the finance bureau allocates budget to a department; the
 * department spends only against its own allocations and never beyond them. Both post only
 * expenditure-line accounts (buildTransaction refuses anything else), so collected money can never
 * reach an account a department spends from (no 坐支).
 *
 * "Never beyond" is exact under concurrency: the expenditure, its ledger transaction and a
 * conditional decrement of the allocation's remaining amount commit in one transaction.
 */
const newId = (prefix: string) => `${prefix}-${randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase()}`;

export class Budget {
  constructor(private readonly deps: { store: BudgetStore; departments: DepartmentDirectory; clock: Clock }) {}

  async allocate(
    input: { departmentId: string; fiscalYear: number; amount: number; purpose: string },
    by: Principal,
  ): Promise<BudgetAllocationRecord> {
    const { store, departments, clock } = this.deps;
    if (!(await departments.getDepartment(input.departmentId)))
      throw new DomainError('department-unknown', 'No department with this id', [
        { path: 'departmentId', message: 'no such department' },
      ]);
    const allocationId = newId('AL');
    const createdAt = clock.now().toISOString();
    const allocation: BudgetAllocationRecord = {
      allocationId,
      ...input,
      spent: 0,
      remaining: input.amount,
      createdAt,
      createdBy: by.sub,
    };
    const tx = buildTransaction({
      id: `alloc-${allocationId}`,
      kind: 'allocation',
      ref: allocationId,
      businessDate: clock.today(),
      postings: [
        { account: accounts.allocation(input.departmentId, allocationId), debit: input.amount, credit: 0 },
        { account: accounts.budgetAppropriation(), debit: 0, credit: input.amount },
      ],
      createdAt,
    });
    await store.putAllocation(allocation, tx);
    return allocation;
  }

  async spend(
    input: { allocationId: string; amount: number; payee: string; purpose: string },
    by: Principal,
  ): Promise<ExpenditureRecord & { remaining: number }> {
    const { store, clock } = this.deps;
    const allocation = await store.getAllocation(input.allocationId);
    if (!allocation)
      throw new DomainError('allocation-unknown', 'No budget allocation with this id', [
        { path: 'allocationId', message: 'no such allocation' },
      ]);
    if (by.role !== 'department' || allocation.departmentId !== by.dept)
      throw new DomainError('forbidden', 'The allocation belongs to another department');
    const expenditureId = newId('EX');
    const createdAt = clock.now().toISOString();
    const businessDate = clock.today();
    const expenditure: ExpenditureRecord = {
      expenditureId,
      ...input,
      departmentId: allocation.departmentId,
      businessDate,
      createdAt,
      createdBy: by.sub,
    };
    const tx = buildTransaction({
      id: `exp-${expenditureId}`,
      kind: 'expenditure',
      ref: expenditureId,
      businessDate,
      postings: [
        { account: accounts.spent(allocation.departmentId, allocation.allocationId), debit: input.amount, credit: 0 },
        {
          account: accounts.allocation(allocation.departmentId, allocation.allocationId),
          debit: 0,
          credit: input.amount,
        },
      ],
      createdAt,
    });
    const remaining = await store.recordExpenditure(expenditure, tx);
    return { ...expenditure, remaining };
  }
}
