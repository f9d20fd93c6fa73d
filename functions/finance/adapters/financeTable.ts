import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { tableName } from '../../shared/wiring';
import { paymentsTableKeys, type PaymentRecord, type RefundRecord } from '../../../schemas/records';
import type { DocClient } from '../../shared/adapters/dynamo';
import { documentClient as ddb } from '../../shared/wiring';
import { DomainError } from '../../shared/domain/errors';
import type { LedgerTransaction } from '../../ledger/domain/ledger';
import { DAY_GUARD_OFFSET, DAY_SHARDS, LedgerTable, ledgerKeys } from '../../ledger/adapters';
import type { StoredDayProof } from '../../ledger';
import { tableName as physicalName } from '../../shared/wiring';
import { config } from '../../shared/config';
import type { Difference } from '../domain/matching';
import type {
  BudgetAllocationRecord,
  DaySettlement,
  ExpenditureRecord,
  FinanceStore,
  Journal,
  PaymentsReader,
  ReconciliationRun,
  ResolutionRecord,
} from '../ports';
import { decodeChunk, encodeChunk, type StatementHeader, type StatementLine } from '../domain/statement';

/**
 * DynamoDB adapters of the finance context.
 *
 * Finance table (no hot keys: every statement, run and allocation has partitions of its own):
 * - statement header `STMT#<id>` / `META`: written last, it is what makes a statement exist;
 * - statement lines  `STMT#<id>#C<chunk>` / `CHUNK`: 1,000 lines per item, one partition per chunk;
 * - reconciliation run `RECONDAY#<date>` / `RUN#V<version>`: the conditional put allocates the version;
 * - its differences  `RECONDIFF#<nonce>` / `D#<chunk>`: written before the run item that points at them;
 * - resolutions      `RECON#<runId>` / `RES#<itemRef>`: one per difference (conditional put);
 * - day settlement   `SETTLE#<date>` / `SETTLE`: per-department split written at close;
 * - allocation       `ALLOC#<id>` / `ALLOC` (remaining decremented conditionally by expenditures);
 * - expenditure      `EXP#<id>` / `EXP`.
 */
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const pad = (n: number, w = 6) => String(n).padStart(w, '0');
const DIFF_CHUNK = 500;

const financeKeys = {
  statement: (id: string) => ({ pk: `STMT#${id}`, sk: 'META' }),
  statementChunk: (id: string, n: number) => ({ pk: `STMT#${id}#C${pad(n)}`, sk: 'CHUNK' }),
  runDay: (date: string) => `RECONDAY#${date}`,
  run: (date: string, version: number) => ({ pk: `RECONDAY#${date}`, sk: `RUN#V${pad(version, 4)}` }),
  diffChunk: (nonce: string, n: number) => ({ pk: `RECONDIFF#${nonce}`, sk: `D#${pad(n)}` }),
  resolution: (runId: string, itemRef: string) => ({ pk: `RECON#${runId}`, sk: `RES#${itemRef}` }),
  settlement: (date: string) => ({ pk: `SETTLE#${date}`, sk: 'SETTLE' }),
  allocation: (id: string) => ({ pk: `ALLOC#${id}`, sk: 'ALLOC' }),
  expenditure: (id: string) => ({ pk: `EXP#${id}`, sk: 'EXP' }),
};

/** RC-20260301-V002 → the run's date and version (ids are made by the domain, see reconciliation.ts). */
function parseRunId(id: string): { date: string; version: number } | undefined {
  const m = /^RC-(\d{4})(\d{2})(\d{2})-V(\d{3,})$/.exec(id);
  return m ? { date: `${m[1]}-${m[2]}-${m[3]}`, version: Number(m[4]) } : undefined;
}

const strip = <T>(i: Record<string, unknown>): T => {
  const { pk: _a, sk: _b, gsi1pk: _c, gsi1sk: _d, ...rest } = i;
  return rest as T;
};

const cancellationCodes = (e: TransactionCanceledException) => (e.CancellationReasons ?? []).map((r) => r.Code ?? 'None');

async function batchWriteAll(client: DocClient, table: string, requests: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < requests.length; i += 25) {
    let pending = requests.slice(i, i + 25);
    for (let round = 0; pending.length; round++) {
      if (round > 10) throw new Error('BatchWrite kept returning unprocessed items');
      if (round) await new Promise((r) => setTimeout(r, 20 * 2 ** round));
      const r = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (r.UnprocessedItems?.[table] as Record<string, unknown>[] | undefined) ?? [];
    }
  }
}

export class DynamoFinanceStore implements FinanceStore {
  private readonly table = tableName('Finance');
  private readonly catalog = tableName('Catalog');

  private readonly ledger: LedgerTable;
  constructor(private readonly client: DocClient = ddb()) {
    this.ledger = new LedgerTable(client, physicalName('Ledger'));
  }

  // ── statements ──────────────────────────────────────────────────────────────
  async putStatementChunk(statementId: string, chunkNo: number, lines: StatementLine[]): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.table, Item: { ...financeKeys.statementChunk(statementId, chunkNo), lines: encodeChunk(lines) } }));
  }

  async putStatementHeader(h: StatementHeader): Promise<boolean> {
    try {
      await this.client.send(new PutCommand({ TableName: this.table, Item: { ...financeKeys.statement(h.statementId), ...h }, ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async discardStatementChunks(statementId: string, chunks: number): Promise<void> {
    const keys = Array.from({ length: chunks }, (_, n) => ({ DeleteRequest: { Key: financeKeys.statementChunk(statementId, n) } }));
    await batchWriteAll(this.client, this.table, keys);
  }

  async getStatement(statementId: string): Promise<StatementHeader | undefined> {
    const r = await this.client.send(new GetCommand({ TableName: this.table, Key: financeKeys.statement(statementId), ConsistentRead: true }));
    return r.Item ? strip<StatementHeader>(r.Item) : undefined;
  }

  /** One chunk in memory at a time, the next one already being fetched. */
  async *statementChunks(h: StatementHeader): AsyncIterable<StatementLine[]> {
    const fetch = (n: number) =>
      this.client.send(new GetCommand({ TableName: this.table, Key: financeKeys.statementChunk(h.statementId, n), ConsistentRead: true })).then((r) => {
        if (!r.Item) throw new Error(`statement ${h.statementId} chunk ${n} is missing`);
        return decodeChunk(r.Item.lines as string);
      });
    let next = h.chunks > 0 ? fetch(0) : undefined;
    for (let n = 0; n < h.chunks; n++) {
      const lines = await next!;
      next = n + 1 < h.chunks ? fetch(n + 1) : undefined;
      yield lines;
    }
  }

  // ── reconciliation runs ─────────────────────────────────────────────────────
  async createRun(run: ReconciliationRun, inherited: ResolutionRecord[]): Promise<boolean> {
    const { differences, ...head } = run;
    const nonce = `${run.id}-${Math.random().toString(36).slice(2, 10)}`;
    const chunks: Difference[][] = [];
    for (let i = 0; i < differences.length; i += DIFF_CHUNK) chunks.push(differences.slice(i, i + DIFF_CHUNK));
    await batchWriteAll(
      this.client,
      this.table,
      chunks.map((c, n) => ({ PutRequest: { Item: { ...financeKeys.diffChunk(nonce, n), differences: JSON.stringify(c) } } })),
    );
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...financeKeys.run(run.businessDate, run.version), ...head, diffNonce: nonce, diffChunks: chunks.length, differenceCount: differences.length },
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

  private async hydrate(item: Record<string, unknown>): Promise<ReconciliationRun> {
    const { diffNonce, diffChunks, differenceCount: _n, ...run } = strip<Record<string, unknown>>(item);
    const parts = await Promise.all(
      Array.from({ length: diffChunks as number }, async (_, n) => {
        const r = await this.client.send(new GetCommand({ TableName: this.table, Key: financeKeys.diffChunk(diffNonce as string, n), ConsistentRead: true }));
        return JSON.parse(r.Item!.differences as string) as Difference[];
      }),
    );
    return { ...(run as unknown as ReconciliationRun), differences: parts.flat() };
  }

  async getRun(id: string): Promise<ReconciliationRun | undefined> {
    const key = parseRunId(id);
    if (!key) return undefined;
    const r = await this.client.send(new GetCommand({ TableName: this.table, Key: financeKeys.run(key.date, key.version), ConsistentRead: true }));
    return r.Item && r.Item.id === id ? this.hydrate(r.Item) : undefined;
  }

  async latestRun(businessDate: string): Promise<ReconciliationRun | undefined> {
    const r = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
        ExpressionAttributeValues: { ':pk': financeKeys.runDay(businessDate), ':run': 'RUN#' },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = r.Items?.[0];
    return item ? this.hydrate(item) : undefined;
  }

  async latestRunId(businessDate: string): Promise<string | undefined> {
    const r = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
        ExpressionAttributeValues: { ':pk': financeKeys.runDay(businessDate), ':run': 'RUN#' },
        ProjectionExpression: 'id',
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return r.Items?.[0]?.id as string | undefined;
  }

  async getResolution(runId: string, itemRef: string): Promise<ResolutionRecord | undefined> {
    const r = await this.client.send(new GetCommand({ TableName: this.table, Key: financeKeys.resolution(runId, itemRef), ConsistentRead: true }));
    return r.Item ? strip<ResolutionRecord>(r.Item) : undefined;
  }

  async resolutions(runId: string): Promise<ResolutionRecord[]> {
    const out: ResolutionRecord[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const r = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :res)',
          ExpressionAttributeValues: { ':pk': `RECON#${runId}`, ':res': 'RES#' },
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      for (const i of r.Items ?? []) out.push(strip<ResolutionRecord>(i));
      ExclusiveStartKey = r.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return out;
  }

  async putResolution(runId: string, resolution: ResolutionRecord, adjustment?: LedgerTransaction): Promise<void> {
    const key = parseRunId(runId)!;
    const items: TransactItem[] = [
      { Put: { TableName: this.table, Item: { ...financeKeys.resolution(runId, resolution.itemRef), ...resolution }, ConditionExpression: 'attribute_not_exists(pk)' } },
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
      if (!(e instanceof TransactionCanceledException)) throw e;
      const codes = cancellationCodes(e);
      if (codes[0] === 'ConditionalCheckFailed' || codes[2] === 'ConditionalCheckFailed')
        throw new DomainError('difference-already-resolved', `${resolution.itemRef} is already resolved`);
      if (codes[1] === 'ConditionalCheckFailed') throw new DomainError('reconciliation-closed', `Reconciliation ${runId} is closed`);
      if (codes[2 + DAY_GUARD_OFFSET] === 'ConditionalCheckFailed') throw new DomainError('day-closed', `Business day ${adjustment!.businessDate} is closed`);
      if (codes.includes('TransactionConflict')) throw new DomainError('concurrent-update', 'A concurrent request touched this reconciliation; retry');
      throw e;
    }
  }

  async markRunClosed(runId: string, closed: { closedAt: string; closedBy: string; proof: StoredDayProof }): Promise<void> {
    const key = parseRunId(runId)!;
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: financeKeys.run(key.date, key.version),
        UpdateExpression: 'SET #s = :closed, closedAt = :at, closedBy = :by, proof = :proof',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':closed': 'closed', ':at': closed.closedAt, ':by': closed.closedBy, ':proof': closed.proof },
      }),
    );
  }

  async putDaySettlement(s: DaySettlement): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.table, Item: { ...financeKeys.settlement(s.date), ...s } }));
  }

  async daySettlement(date: string): Promise<DaySettlement | undefined> {
    const r = await this.client.send(new GetCommand({ TableName: this.table, Key: financeKeys.settlement(date), ConsistentRead: true }));
    return r.Item ? strip<DaySettlement>(r.Item) : undefined;
  }

  // ── budget ──────────────────────────────────────────────────────────────────
  async getDepartmentExists(departmentId: string): Promise<boolean> {
    const r = await this.client.send(new GetCommand({ TableName: this.catalog, Key: { pk: `DEPT#${departmentId}`, sk: 'DEPT' } }));
    return Boolean(r.Item);
  }

  async putAllocation(a: BudgetAllocationRecord, tx: LedgerTransaction): Promise<void> {
    await this.ledger.registerBusinessDay(tx.businessDate);
    await this.transact(
      [{ Put: { TableName: this.table, Item: { ...financeKeys.allocation(a.allocationId), ...a }, ConditionExpression: 'attribute_not_exists(pk)' } }, ...this.ledger.postTransactionItems(tx)],
      tx,
    );
  }

  async getAllocation(allocationId: string): Promise<BudgetAllocationRecord | undefined> {
    const r = await this.client.send(new GetCommand({ TableName: this.table, Key: financeKeys.allocation(allocationId), ConsistentRead: true }));
    return r.Item ? strip<BudgetAllocationRecord>(r.Item) : undefined;
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
      { Put: { TableName: this.table, Item: { ...financeKeys.expenditure(e.expenditureId), ...e }, ConditionExpression: 'attribute_not_exists(pk)' } },
      ...this.ledger.postTransactionItems(tx),
    ];
    // Concurrent expenditures on one allocation conflict inside DynamoDB; a few retries keep the
    // answer exact (the condition is re-evaluated) instead of failing on mere contention.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.transact(items, tx, (codes) => {
          if (codes[0] === 'ConditionalCheckFailed') throw new DomainError('allocation-exceeded', `Allocation ${e.allocationId} has less than ${e.amount} fen remaining`);
        });
        break;
      } catch (err) {
        if (err instanceof DomainError && err.type === 'concurrent-update' && attempt < 8) {
          await new Promise((r) => setTimeout(r, 10 + Math.random() * 20 * 2 ** attempt));
          continue;
        }
        throw err;
      }
    }
    const after = await this.getAllocation(e.allocationId);
    return after!.remaining;
  }

  /** Runs a transaction whose last two items post `tx`; maps the day guard and contention. */
  private async transact(items: TransactItem[], tx: LedgerTransaction, mapOther?: (codes: string[]) => void): Promise<void> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (e) {
      if (!(e instanceof TransactionCanceledException)) throw e;
      const codes = cancellationCodes(e);
      mapOther?.(codes);
      if (codes[items.length - 2 + DAY_GUARD_OFFSET] === 'ConditionalCheckFailed') throw new DomainError('day-closed', `Business day ${tx.businessDate} is closed`);
      if (codes.includes('TransactionConflict')) throw new DomainError('concurrent-update', 'A concurrent request touched the same records; retry');
      throw e;
    }
  }
}

/** The journal in the Ledger table (layout in shared/ledgerStore.ts). */
export class DynamoJournal implements Journal {
  private readonly table = tableName('Ledger');
  private readonly ledger: LedgerTable;
  constructor(
    private readonly client: DocClient = ddb(),
    /** How long to let the day index (an eventually consistent GSI) catch up after closing. */
    private readonly indexSettleMs = config().dayCloseIndexSettleMs,
  ) {
    this.ledger = new LedgerTable(client, physicalName('Ledger'));
  }

  async post(tx: LedgerTransaction): Promise<'posted' | 'exists'> {
    await this.ledger.registerBusinessDay(tx.businessDate);
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: this.ledger.postTransactionItems(tx) }));
      return 'posted';
    } catch (e) {
      if (!(e instanceof TransactionCanceledException)) throw e;
      const codes = cancellationCodes(e);
      if (codes[0] === 'ConditionalCheckFailed') return 'exists';
      if (codes[DAY_GUARD_OFFSET] === 'ConditionalCheckFailed') throw new DomainError('day-closed', `Business day ${tx.businessDate} is closed`);
      throw e;
    }
  }

  getTransaction(id: string): Promise<LedgerTransaction | undefined> {
    return this.ledger.getTransaction(id);
  }

  async dayClosedBy(date: string): Promise<string | undefined> {
    const r = await this.client.send(new GetCommand({ TableName: this.table, Key: ledgerKeys.dayGuard(date, 0), ConsistentRead: true }));
    return r.Item ? ((r.Item.closedBy as string | undefined) ?? 'an earlier close') : undefined;
  }

  async closeDay(date: string, reconciliationId: string): Promise<void> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: Array.from({ length: DAY_SHARDS }, (_, shard) => ({
            Put: {
              TableName: this.table,
              Item: { ...ledgerKeys.dayGuard(date, shard), date, shard, closedBy: reconciliationId },
              ConditionExpression: 'attribute_not_exists(pk) OR closedBy = :me',
              ExpressionAttributeValues: { ':me': reconciliationId },
            },
          })),
        }),
      );
    } catch (e) {
      if (e instanceof TransactionCanceledException && cancellationCodes(e).includes('ConditionalCheckFailed'))
        throw new DomainError('day-closed', `Business day ${date} was closed by another reconciliation`);
      throw e;
    }
  }

  async transactionsOfClosedDay(date: string): Promise<LedgerTransaction[]> {
    if (this.indexSettleMs <= 0) return this.ledger.transactionsOfDay(date);
    // Read until two reads, indexSettleMs apart, agree: a posting that committed just before the
    // guards may take a moment to show in the day index.
    let previous = await this.ledger.transactionsOfDay(date);
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, this.indexSettleMs));
      const current = await this.ledger.transactionsOfDay(date);
      if (current.length === previous.length) return current;
      previous = current;
    }
    return previous;
  }

  transactionsOfDay(date: string): Promise<LedgerTransaction[]> {
    return this.ledger.transactionsOfDay(date);
  }

  async businessDays(from: string, to: string): Promise<string[]> {
    const days: string[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const r = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': ledgerKeys.dayRegistry(from).pk, ':from': from, ':to': to },
          ExclusiveStartKey,
        }),
      );
      for (const i of r.Items ?? []) days.push(i.sk as string);
      ExclusiveStartKey = r.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return days;
  }

  putProof(proof: StoredDayProof): Promise<StoredDayProof> {
    return this.ledger.storeDayProof(proof);
  }

  getProof(date: string): Promise<StoredDayProof | undefined> {
    return this.ledger.findDayProof(date);
  }
}

/**
 * The payments context's records, read by business date. Keys from schemas/records.ts
 * (paymentsTableKeys), as the payments context writes them: gsi1 `PDAY#<businessDate>#<shard>` over DAY_SHARDS shards (refunds use `RDAY#`). Streams one
 * shard page at a time, so memory does not grow with the day.
 */
const { paymentDayShard, refundDayShard } = paymentsTableKeys;

export class DynamoPaymentsReader implements PaymentsReader {
  private readonly table = tableName('Payments');
  constructor(private readonly client: DocClient = ddb()) {}

  paymentsOfDay(businessDate: string): AsyncIterable<PaymentRecord> {
    return this.recordsOfDay<PaymentRecord>(paymentDayShard, businessDate, 'payment');
  }

  refundsOfDay(businessDate: string): AsyncIterable<RefundRecord> {
    return this.recordsOfDay<RefundRecord>(refundDayShard, businessDate, 'refund');
  }

  private async *recordsOfDay<T>(shardKey: (date: string, shard: number) => string, businessDate: string, recordType: string): AsyncIterable<T> {
    for (let shard = 0; shard < DAY_SHARDS; shard++) {
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const r = await this.client.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :p',
            ExpressionAttributeValues: { ':p': shardKey(businessDate, shard) },
            ExclusiveStartKey,
          }),
        );
        for (const i of r.Items ?? []) if (i.recordType === recordType) yield strip<T>(i);
        ExclusiveStartKey = r.LastEvaluatedKey;
      } while (ExclusiveStartKey);
    }
  }
}
