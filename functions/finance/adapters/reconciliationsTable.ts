import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { LedgerTransaction, StoredDayProof } from '../../ledger';
import { DAY_GUARD_OFFSET, type LedgerTable } from '../../ledger/adapters';
import {
  batchWriteAll,
  CONDITION_FAILED,
  cancellationCodes,
  queryAll,
  stripKeys,
  type DocClient,
  type Item,
  type TransactItem,
} from '../../shared/adapters/dynamo';
import { DomainError } from '../../shared/domain/errors';
import type { Difference } from '../domain/matching';
import { parseRunId, type DaySettlement, type ReconciliationRun, type ResolutionRecord } from '../domain/records';
import type { ReconciliationStore } from '../ports';
import { financeKeys } from './financeTable';

/** Differences per item: a run's differences live in chunk items, so a run item stays far below 400 KB. */
const DIFF_CHUNK = 500;

/**
 * Reconciliation runs, their resolutions and each closed day's settlement split, in the Finance
 * table (layout in financeTable.ts). A resolution's adjustment posts into the Ledger table in the
 * same transaction.
 */
export class ReconciliationsTable implements ReconciliationStore {
  constructor(
    private readonly client: DocClient,
    private readonly table: string,
    private readonly ledger: LedgerTable,
  ) {}

  async createRun(run: ReconciliationRun, inherited: ResolutionRecord[]): Promise<boolean> {
    const { differences, ...head } = run;
    const nonce = `${run.id}-${Math.random().toString(36).slice(2, 10)}`;
    const chunks: Difference[][] = [];
    for (let i = 0; i < differences.length; i += DIFF_CHUNK) chunks.push(differences.slice(i, i + DIFF_CHUNK));
    await batchWriteAll(
      this.client,
      this.table,
      chunks.map((c, n) => ({
        PutRequest: { Item: { ...financeKeys.diffChunk(nonce, n), differences: JSON.stringify(c) } },
      })),
    );
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...financeKeys.run(run.businessDate, run.version),
            ...head,
            diffNonce: nonce,
            diffChunks: chunks.length,
            differenceCount: differences.length,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
    await batchWriteAll(
      this.client,
      this.table,
      inherited.map((r) => ({ PutRequest: { Item: { ...financeKeys.resolution(run.id, r.itemRef), ...r } } })),
    );
    return true;
  }

  private async hydrate(item: Item): Promise<ReconciliationRun> {
    const { diffNonce, diffChunks, differenceCount: _n, ...run } = stripKeys<Item>(item);
    const parts = await Promise.all(
      Array.from({ length: diffChunks as number }, async (_, n) => {
        const r = await this.client.send(
          new GetCommand({
            TableName: this.table,
            Key: financeKeys.diffChunk(diffNonce as string, n),
            ConsistentRead: true,
          }),
        );
        return JSON.parse(r.Item!.differences as string) as Difference[];
      }),
    );
    return { ...(run as unknown as ReconciliationRun), differences: parts.flat() };
  }

  async getRun(id: string): Promise<ReconciliationRun | undefined> {
    const key = parseRunId(id);
    if (!key) return undefined;
    const r = await this.client.send(
      new GetCommand({ TableName: this.table, Key: financeKeys.run(key.date, key.version), ConsistentRead: true }),
    );
    return r.Item && r.Item.id === id ? this.hydrate(r.Item) : undefined;
  }

  async latestRun(businessDate: string): Promise<ReconciliationRun | undefined> {
    const item = await this.latestRunItem(businessDate);
    return item ? this.hydrate(item) : undefined;
  }

  async latestRunId(businessDate: string): Promise<string | undefined> {
    return (await this.latestRunItem(businessDate, 'id'))?.id as string | undefined;
  }

  /** The day's run item of the highest version (run sort keys order by version). */
  private async latestRunItem(businessDate: string, projection?: string): Promise<Item | undefined> {
    const r = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
        ExpressionAttributeValues: { ':pk': financeKeys.runDay(businessDate), ':run': 'RUN#' },
        ProjectionExpression: projection,
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return r.Items?.[0];
  }

  async getResolution(runId: string, itemRef: string): Promise<ResolutionRecord | undefined> {
    const r = await this.client.send(
      new GetCommand({ TableName: this.table, Key: financeKeys.resolution(runId, itemRef), ConsistentRead: true }),
    );
    return r.Item ? stripKeys<ResolutionRecord>(r.Item) : undefined;
  }

  async resolutions(runId: string): Promise<ResolutionRecord[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :res)',
      ExpressionAttributeValues: { ':pk': financeKeys.resolutions(runId), ':res': 'RES#' },
      ConsistentRead: true,
    });
    return items.map((i) => stripKeys<ResolutionRecord>(i));
  }

  async putResolution(runId: string, resolution: ResolutionRecord, adjustment?: LedgerTransaction): Promise<void> {
    const key = parseRunId(runId)!;
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.table,
          Item: { ...financeKeys.resolution(runId, resolution.itemRef), ...resolution },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        ConditionCheck: {
          TableName: this.table,
          Key: financeKeys.run(key.date, key.version),
          ConditionExpression: '#s = :open',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':open': 'open' },
        },
      },
    ];
    if (adjustment) {
      await this.ledger.registerBusinessDay(adjustment.businessDate);
      items.push(...this.ledger.postTransactionItems(adjustment));
    }
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (e) {
      const codes = cancellationCodes(e);
      if (!codes) throw e;
      if (codes[0] === CONDITION_FAILED || codes[2] === CONDITION_FAILED)
        throw new DomainError('difference-already-resolved', 'The difference is already resolved', [
          { path: 'itemRef', message: 'already resolved' },
        ]);
      if (codes[1] === CONDITION_FAILED) throw new DomainError('reconciliation-closed', 'The reconciliation is closed');
      if (codes[2 + DAY_GUARD_OFFSET] === CONDITION_FAILED)
        throw new DomainError('day-closed', `Business day ${adjustment!.businessDate} is closed`);
      if (codes.includes('TransactionConflict'))
        throw new DomainError('concurrent-update', 'A concurrent request touched this reconciliation; retry');
      throw e;
    }
  }

  async markRunClosed(
    runId: string,
    closed: { closedAt: string; closedBy: string; proof: StoredDayProof },
  ): Promise<void> {
    const key = parseRunId(runId)!;
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: financeKeys.run(key.date, key.version),
        UpdateExpression: 'SET #s = :closed, closedAt = :at, closedBy = :by, proof = :proof',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':closed': 'closed',
          ':at': closed.closedAt,
          ':by': closed.closedBy,
          ':proof': closed.proof,
        },
      }),
    );
  }

  async putDaySettlement(s: DaySettlement): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.table, Item: { ...financeKeys.settlement(s.date), ...s } }),
    );
  }

  async daySettlement(date: string): Promise<DaySettlement | undefined> {
    const r = await this.client.send(
      new GetCommand({ TableName: this.table, Key: financeKeys.settlement(date), ConsistentRead: true }),
    );
    return r.Item ? stripKeys<DaySettlement>(r.Item) : undefined;
  }
}
