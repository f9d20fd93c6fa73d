import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { LedgerTransaction, StoredDayProof } from '../../ledger';
import { DAY_GUARD_OFFSET, DAY_GUARD_SHARDS, ledgerKeys, type LedgerTable } from '../../ledger/adapters';
import { CONDITION_FAILED, cancellationCodes, queryAll, type DocClient } from '../../shared/adapters/dynamo';
import { DomainError } from '../../shared/domain/errors';
import type { Journal } from '../ports';

/**
 * The journal as finance uses it, in the Ledger table, through the ledger's published storage
 * interface (layout in functions/ledger/adapters/ledgerTable.ts): post, close a day by writing all
 * its guards, read a closed day, store its proof.
 */
export class LedgerJournal implements Journal {
  constructor(
    private readonly client: DocClient,
    private readonly ledger: LedgerTable,
  ) {}

  async post(tx: LedgerTransaction): Promise<'posted' | 'exists'> {
    await this.ledger.registerBusinessDay(tx.businessDate);
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: this.ledger.postTransactionItems(tx) }));
      return 'posted';
    } catch (e) {
      const codes = cancellationCodes(e);
      if (!codes) throw e;
      if (codes[0] === CONDITION_FAILED) return 'exists';
      if (codes[DAY_GUARD_OFFSET] === CONDITION_FAILED)
        throw new DomainError('day-closed', `Business day ${tx.businessDate} is closed`);
      throw e;
    }
  }

  getTransaction(businessDate: string, id: string): Promise<LedgerTransaction | undefined> {
    return this.ledger.getTransaction(businessDate, id);
  }

  async dayClosedBy(date: string): Promise<string | undefined> {
    const r = await this.client.send(
      new GetCommand({ TableName: this.ledger.table, Key: ledgerKeys.dayGuard(date, 0), ConsistentRead: true }),
    );
    return r.Item ? ((r.Item.closedBy as string | undefined) ?? 'an earlier close') : undefined;
  }

  async closeDay(date: string, reconciliationId: string): Promise<void> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: Array.from({ length: DAY_GUARD_SHARDS }, (_, shard) => ({
            Put: {
              TableName: this.ledger.table,
              Item: { ...ledgerKeys.dayGuard(date, shard), date, shard, closedBy: reconciliationId },
              ConditionExpression: 'attribute_not_exists(pk) OR closedBy = :me',
              ExpressionAttributeValues: { ':me': reconciliationId },
            },
          })),
        }),
      );
    } catch (e) {
      if (cancellationCodes(e)?.includes(CONDITION_FAILED))
        throw new DomainError('day-closed', `Business day ${date} was closed by another reconciliation`);
      throw e;
    }
  }

  transactionsOfDay(date: string): Promise<LedgerTransaction[]> {
    return this.ledger.transactionsOfDay(date);
  }

  async businessDays(from: string, to: string): Promise<string[]> {
    const items = await queryAll(this.client, {
      TableName: this.ledger.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': ledgerKeys.dayRegistry(from).pk, ':from': from, ':to': to },
    });
    return items.map((i) => i.sk as string);
  }

  putProof(proof: StoredDayProof): Promise<StoredDayProof> {
    return this.ledger.storeDayProof(proof);
  }

  getProof(date: string): Promise<StoredDayProof | undefined> {
    return this.ledger.findDayProof(date);
  }
}
