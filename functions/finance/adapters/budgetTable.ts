import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { LedgerTransaction } from '../../ledger';
import type { LedgerTable } from '../../ledger/adapters';
import { CONDITION_FAILED, sleep, stripKeys, type DocClient, type TransactItem } from '../../shared/adapters/dynamo';
import { DomainError } from '../../shared/domain/errors';
import type { BudgetAllocationRecord, ExpenditureRecord } from '../domain/records';
import type { BudgetStore } from '../ports';
import { financeKeys, transactWithPosting } from './financeTable';

/**
 * Budget allocations and expenditures in the Finance table (layout in financeTable.ts), each written
 * together with its ledger transaction. "Never beyond the allocation" is a condition on the
 * allocation's remaining amount inside the expenditure's transaction, so it holds under concurrency.
 */
export class BudgetTable implements BudgetStore {
  constructor(
    private readonly client: DocClient,
    private readonly table: string,
    private readonly ledger: LedgerTable,
  ) {}

  async putAllocation(a: BudgetAllocationRecord, tx: LedgerTransaction): Promise<void> {
    await this.ledger.registerBusinessDay(tx.businessDate);
    await transactWithPosting(
      this.client,
      [
        {
          Put: {
            TableName: this.table,
            Item: { ...financeKeys.allocation(a.allocationId), ...a },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...this.ledger.postTransactionItems(tx),
      ],
      tx,
    );
  }

  async getAllocation(allocationId: string): Promise<BudgetAllocationRecord | undefined> {
    const r = await this.client.send(
      new GetCommand({ TableName: this.table, Key: financeKeys.allocation(allocationId), ConsistentRead: true }),
    );
    return r.Item ? stripKeys<BudgetAllocationRecord>(r.Item) : undefined;
  }

  async recordExpenditure(e: ExpenditureRecord, tx: LedgerTransaction): Promise<number> {
    await this.ledger.registerBusinessDay(tx.businessDate);
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.table,
          Key: financeKeys.allocation(e.allocationId),
          UpdateExpression: 'SET remaining = remaining - :a, spent = spent + :a',
          ConditionExpression: 'attribute_exists(pk) AND remaining >= :a',
          ExpressionAttributeValues: { ':a': e.amount },
        },
      },
      {
        Put: {
          TableName: this.table,
          Item: { ...financeKeys.expenditure(e.expenditureId), ...e },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...this.ledger.postTransactionItems(tx),
    ];
    const exceeded = (codes: string[]) => {
      if (codes[0] === CONDITION_FAILED)
        throw new DomainError('allocation-exceeded', 'The allocation has less than this amount remaining', [
          { path: 'amount', message: 'exceeds what the allocation has left' },
        ]);
    };
    // Concurrent expenditures on one allocation conflict inside DynamoDB; a few retries keep the
    // answer exact (the condition is re-evaluated) instead of failing on mere contention.
    for (let attempt = 0; ; attempt++) {
      try {
        await transactWithPosting(this.client, items, tx, exceeded);
        break;
      } catch (err) {
        if (err instanceof DomainError && err.type === 'concurrent-update' && attempt < 8) {
          await sleep(10 + Math.random() * 20 * 2 ** attempt);
          continue;
        }
        throw err;
      }
    }
    const after = await this.getAllocation(e.allocationId);
    return after!.remaining;
  }
}
