import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { stagingWrites } from '../../shared/adapters/auditTrail';
import { putIfNew, queryAll, stripKeys, type DocClient, type TransactItem } from '../../shared/adapters/dynamo';
import { isSameDayPosting } from '../domain/closing';
import type { StoredDayProof } from '../domain/dayProof';
import type { LedgerTransaction } from '../domain/ledger';
import type { LedgerReader } from '../ports';

/**
 * How ledger transactions live in the Ledger table. Written only inside TransactWriteItems built
 * from `postTransactionItems`, so a transaction lands together with whatever caused it, or not at all.
 *
 * - transaction: pk `DAY#<businessDate>#<shard>`, sk `TX#<id>`. The day is spread over DAY_SHARDS
 *   partitions (shard from the id's hash): no hot key, and the day is read by key, strongly
 *   consistent, with no index entry to write (issue 10: a posting is one write, docs/adr/0008).
 * - day-open guard: pk `DAYCLOSE#<businessDate>#<nn>`, sk `CLOSE`, over DAY_GUARD_SHARDS guards (a
 *   shard from another byte of the id's hash). Day close writes all the guards in one transaction;
 *   a posting into another day than the one it is made in condition-checks the absent guard of its
 *   own, so it fails atomically once the day is closed. A posting into its own business day skips
 *   the check: a day closes only after SAME_DAY_POSTING_GRACE_MS (../domain/closing.ts).
 * - day registry: pk `DAYS`, sk `<businessDate>`: written once per process per day (not per
 *   posting), so reports can enumerate business days without a scan.
 * - day proof (after close): pk `DAYPROOF#<businessDate>`, sk `PROOF`.
 */
/**
 * Shards of a business day (ledger `DAY#`, payments `PDAY#`, refunds' index `RDAY#`). 32 since issue 10: at
 * 10,000 payments/s a 1 KB item written in a transaction (2 WRU) takes ≈ 625 WCU/s per shard; with
 * 16 it took 1,250, over a partition's 1,000.
 */
export const DAY_SHARDS = 32;

/** Day guards per business day: as many as one close transaction holds (100 items) with room to spare. */
export const DAY_GUARD_SHARDS = 96;

export const shardOf = (id: string): number => createHash('sha256').update(id).digest()[0]! % DAY_SHARDS;
/** The day guard a posting checks: from the id's hash, two bytes, so all DAY_GUARD_SHARDS are used evenly. */
export const guardShardOf = (id: string): number =>
  createHash('sha256').update(id).digest().readUInt16BE(1) % DAY_GUARD_SHARDS;
const pad = (n: number) => String(n).padStart(2, '0');

const dayShard = (date: string, shard: number) => `DAY#${date}#${pad(shard)}`;

export const ledgerKeys = {
  transaction: (businessDate: string, id: string) => ({ pk: dayShard(businessDate, shardOf(id)), sk: `TX#${id}` }),
  dayShard,
  dayGuard: (date: string, shard: number) => ({ pk: `DAYCLOSE#${date}#${pad(shard)}`, sk: 'CLOSE' }),
  dayRegistry: (date: string) => ({ pk: 'DAYS', sk: date }),
  dayProof: (date: string) => ({ pk: `DAYPROOF#${date}`, sk: 'PROOF' }),
};

/** Index of the day-guard ConditionCheck within postTransactionItems' output (for cancellation reasons). */
export const DAY_GUARD_OFFSET = 1;

/** Days this process has registered: the registry is written once per process per day, not per posting. */
const registered = new Map<string, Promise<void>>();

const byCreatedThenId = (a: LedgerTransaction, b: LedgerTransaction) =>
  a.createdAt === b.createdAt ? a.id.localeCompare(b.id) : a.createdAt.localeCompare(b.createdAt);

export class LedgerTable implements LedgerReader {
  constructor(
    private readonly client: DocClient,
    readonly table: string,
  ) {}

  /**
   * The TransactWriteItems entries that post one ledger transaction: the put (conditional on the id
   * being new: an id is the idempotency key of the posting) and, at DAY_GUARD_OFFSET, the day-open
   * check of its guard. Given the business day it is made on (`today`), a posting into that same day
   * is the put alone (../domain/closing.ts); without it, the check is always there.
   */
  postTransactionItems(tx: LedgerTransaction, today?: string): TransactItem[] {
    const put: TransactItem = {
      Put: {
        TableName: this.table,
        Item: { ...ledgerKeys.transaction(tx.businessDate, tx.id), ...tx },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    if (today !== undefined && isSameDayPosting(tx.businessDate, today)) return [put];
    const guard: TransactItem = {
      ConditionCheck: {
        TableName: this.table,
        Key: ledgerKeys.dayGuard(tx.businessDate, guardShardOf(tx.id)),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    return [put, guard];
  }

  /**
   * Records that a business day has postings; idempotent, and once per process per day. It prepares
   * a posting and is not the request's change, so it does not carry the request's audit event (ADR
   * 0017): the posting's transaction, which may still fail, does.
   */
  registerBusinessDay(date: string): Promise<void> {
    // Concurrent first postings of the day share one write (a process starting under load made one each).
    const key = `${this.table}#${date}`;
    let done = registered.get(key);
    if (!done) {
      done = stagingWrites(() =>
        this.client.send(new PutCommand({ TableName: this.table, Item: { ...ledgerKeys.dayRegistry(date), date } })),
      ).then(() => undefined);
      registered.set(key, done);
      done.catch(() => registered.delete(key)); // a failed write is tried again by the next posting
    }
    return done;
  }

  async businessDays(upTo?: string): Promise<string[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: upTo ? 'pk = :pk AND sk <= :d' : 'pk = :pk',
      ExpressionAttributeValues: upTo ? { ':pk': 'DAYS', ':d': upTo } : { ':pk': 'DAYS' },
    });
    return items.map((i) => i.sk as string);
  }

  /**
   * Every transaction of one business day, across all shards, ordered by createdAt then id. Strongly
   * consistent: once a day's guards are written, this is its final set.
   */
  async transactionsOfDay(date: string): Promise<LedgerTransaction[]> {
    const perShard = await Promise.all(
      Array.from({ length: DAY_SHARDS }, (_, shard) =>
        queryAll(this.client, {
          TableName: this.table,
          KeyConditionExpression: 'pk = :p AND begins_with(sk, :tx)',
          ExpressionAttributeValues: { ':p': ledgerKeys.dayShard(date, shard), ':tx': 'TX#' },
          ConsistentRead: true,
        }),
      ),
    );
    return perShard
      .flat()
      .map((i) => stripKeys<LedgerTransaction>(i))
      .sort(byCreatedThenId);
  }

  async getTransaction(businessDate: string, id: string): Promise<LedgerTransaction | undefined> {
    const r = await this.client.send(
      new GetCommand({ TableName: this.table, Key: ledgerKeys.transaction(businessDate, id), ConsistentRead: true }),
    );
    return r.Item ? stripKeys<LedgerTransaction>(r.Item) : undefined;
  }

  /** Stores the proof once; a second close of the same day (a retried accept) gets the first proof back. */
  async storeDayProof(proof: StoredDayProof): Promise<StoredDayProof> {
    if (await putIfNew(this.client, this.table, { ...ledgerKeys.dayProof(proof.date), ...proof })) return proof;
    const first = await this.findDayProof(proof.date);
    if (!first) throw new Error(`The day proof of ${proof.date} exists and cannot be read`);
    return first;
  }

  async findDayProof(date: string): Promise<StoredDayProof | undefined> {
    const r = await this.client.send(
      new GetCommand({ TableName: this.table, Key: ledgerKeys.dayProof(date), ConsistentRead: true }),
    );
    if (!r.Item) return undefined;
    const { root, count, signature } = r.Item as StoredDayProof;
    return { date, root, count, signature };
  }
}
