import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { AUDIT_DAY_SHARDS, auditKeys } from '../../shared/adapters/auditTrail';
import { putIfNew, queryAll, stripKeys, type DocClient } from '../../shared/adapters/dynamo';
import type { AuditEvent } from '../../shared/domain/audit';
import type { AuditDayRoot, AuditStore } from '../ports';

/**
 * The Audit table as the audit context reads it; the layout is the kernel's (shared/adapters/auditTrail.ts),
 * which writes the events. This adapter's only write is a day's signed root, put once.
 */
const byAtThenId = (a: AuditEvent, b: AuditEvent) =>
  a.at === b.at ? a.id.localeCompare(b.id) : a.at.localeCompare(b.at);

export class AuditTable implements AuditStore {
  constructor(
    private readonly client: DocClient,
    private readonly table: string,
  ) {}

  /** One GetItem: the id names its day and shard. An id that names no day is no event's. */
  async event(id: string): Promise<AuditEvent | undefined> {
    const key = auditKeys.event(id);
    if (!key) return undefined;
    const r = await this.client.send(new GetCommand({ TableName: this.table, Key: key }));
    return r.Item ? stripKeys<AuditEvent>(r.Item) : undefined;
  }

  /** The day's AUDIT_DAY_SHARDS partitions read whole, merged in memory by `at` then id. */
  async eventsOfDay(date: string): Promise<AuditEvent[]> {
    const perShard = await Promise.all(
      Array.from({ length: AUDIT_DAY_SHARDS }, (_, shard) =>
        queryAll(this.client, {
          TableName: this.table,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': auditKeys.dayShard(date, shard) },
        }),
      ),
    );
    return perShard
      .flat()
      .map((i) => stripKeys<AuditEvent>(i))
      .sort(byAtThenId);
  }

  async findDayRoot(date: string): Promise<AuditDayRoot | undefined> {
    const r = await this.client.send(
      new GetCommand({ TableName: this.table, Key: auditKeys.dayRoot(date), ConsistentRead: true }),
    );
    return r.Item ? stripKeys<AuditDayRoot>(r.Item) : undefined;
  }

  /** Stores the day's root once; a second seal of the same day gets the first root back. */
  async storeDayRoot(root: AuditDayRoot): Promise<AuditDayRoot> {
    if (await putIfNew(this.client, this.table, { ...auditKeys.dayRoot(root.date), ...root })) return root;
    const first = await this.findDayRoot(root.date);
    if (!first) throw new Error(`The audit root of ${root.date} exists and cannot be read`);
    return first;
  }
}
