import { type AttributeValue, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { tables, TABLE_NAMES, type IndexDef, type TableDef } from '../../schemas/tables';
import { itemSize, readUnits, writeUnits } from './itemSize';

/**
 * Counts what the functions send to DynamoDB, request by request, with a middleware on the SDK client
 * they use (functions/shared/wiring.ts `theSdkClient`): round trips, and read/write units both as
 * DynamoDB Local reports them (`ReturnConsumedCapacity: INDEXES`, added to every request) and as
 * computed from item sizes the way DynamoDB bills. The computed figure is the one the model uses:
 * DynamoDB Local reports transactional writes at twice what the DynamoDB documentation bills (see
 * docs/benchmarks.md, "Capacity"). Computing needs each written item's image before and after the
 * write; a second client (not counted) reads them.
 *
 * Billing rules applied (DynamoDB developer guide, "Read/write capacity unit consumption",
 * "Capacity management for transactions", "Provisioned throughput considerations for GSIs"):
 * - a write costs ceil(max(size before, size after) / 1 KB) WRU; a failed conditional write costs
 *   the same; a transactional write (Put, Update, Delete, ConditionCheck) twice that;
 * - each GSI whose key the item has before or after costs one index write of the index entry
 *   (projection ALL: the item; KEYS_ONLY: the keys) when the entry changes, two when the index key
 *   changes (a write that changes no projected attribute writes nothing to the index); index writes
 *   caused by a transaction are counted twice as well (conservative);
 * - a strongly consistent read ceil(size / 4 KB) RRU per item (BatchGet: per item; Query: of the
 *   summed sizes), an eventually consistent read half that, a transactional read twice that.
 */
export interface Usage {
  roundTrips: number;
  /** Of which writes of the ledger's business-day registry (`DAYS`): once per process per business day. */
  dayRegistryWrites: number;
  /** Every write unit of the run, per-process writes included. */
  wru: number;
  /**
   * Of which the writes a process makes once (isPerProcessWrite): kept out of the per-partition maps,
   * by table in `perProcessWrites`, and amortized by the model instead of charged to every payment.
   */
  perProcessWru: number;
  rru: number;
  reportedWru: number;
  reportedRru: number;
  byOperation: Record<string, number>;
}

export const emptyUsage = (): Usage => ({
  roundTrips: 0,
  dayRegistryWrites: 0,
  wru: 0,
  perProcessWru: 0,
  rru: 0,
  reportedWru: 0,
  reportedRru: 0,
  byOperation: {},
});

type Image = Record<string, AttributeValue> | undefined;
type Key = Record<string, AttributeValue>;
interface Write {
  table: string;
  key: Key;
  kind: 'put' | 'update' | 'delete' | 'check';
  item?: Key;
}

const defOf = (table: string): TableDef | undefined =>
  TABLE_NAMES.includes(table as never) ? tables[table as (typeof TABLE_NAMES)[number]] : undefined;

const s = (v: AttributeValue | undefined) => v?.S;

export class CapacityMeter {
  phase = 'setup';
  readonly usage = new Map<string, Usage>();
  /** WRU per item (`table pk sk`) and per partition (`table pk`, `table.gsi gsipk`), per phase. */
  readonly itemWrites = new Map<string, Map<string, number>>();
  readonly partitionWrites = new Map<string, Map<string, number>>();
  /** WRU of per-process writes (isPerProcessWrite) per table, per phase. */
  readonly perProcessWrites = new Map<string, Map<string, number>>();
  /** RRU per partition read (`table pk`, `table.index pk`), per phase. */
  readonly partitionReads = new Map<string, Map<string, number>>();
  private readonly probe: DynamoDBClient;

  constructor(endpoint: string) {
    this.probe = new DynamoDBClient({
      endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  }

  /** Installs the counting middleware on the functions' SDK client. */
  install(client: { middlewareStack: { add: (m: unknown, o: object) => void } }): void {
    client.middlewareStack.add(
      (next: (a: { input: Record<string, unknown> }) => Promise<unknown>) =>
        async (args: { input: Record<string, unknown> }) => {
          if (!('Statements' in args.input)) args.input.ReturnConsumedCapacity = 'INDEXES';
          return next(args);
        },
      { step: 'initialize', priority: 'high', name: 'capacityMeterAsk' },
    );
    client.middlewareStack.add(
      (next: (a: unknown) => Promise<{ output: Record<string, unknown> }>, context: { commandName: string }) =>
        async (args: { input: Record<string, unknown> }) =>
          this.count(context.commandName, args, next),
      { step: 'build', priority: 'high', name: 'capacityMeterCount' },
    );
  }

  private usageOf(): Usage {
    let u = this.usage.get(this.phase);
    if (!u) this.usage.set(this.phase, (u = emptyUsage()));
    return u;
  }

  private async count(
    command: string,
    args: { input: Record<string, unknown> },
    next: (a: unknown) => Promise<{ output: Record<string, unknown> }>,
  ) {
    const phase = this.phase;
    const u = this.usageOf();
    const op = command.replace(/Command$/, '');
    u.roundTrips++;
    u.byOperation[op] = (u.byOperation[op] ?? 0) + 1;
    const writes = writesOf(op, args.input);
    if (op === 'PutItem' && writes[0]?.key.pk?.S === 'DAYS') u.dayRegistryWrites++;
    const before = await Promise.all(writes.map((w) => this.image(w.table, w.key)));
    let result: { output: Record<string, unknown> } | undefined;
    let failure: unknown;
    try {
      result = await next(args);
    } catch (e) {
      failure = e;
    }
    const after = failure ? before : await Promise.all(writes.map((w) => this.image(w.table, w.key)));
    const transactional = op === 'TransactWriteItems' ? 2 : 1;
    for (const [i, w] of writes.entries()) this.chargeWrite(phase, u, w, before[i], after[i], transactional);
    if (result) {
      const rru = readsOf(op, args.input, result.output);
      u.rru += rru;
      const parts = readPartitionsOf(op, args.input);
      for (const part of parts) this.add(this.partitionReads, phase, part, rru / parts.length);
      const reported = [result.output.ConsumedCapacity ?? []].flat() as {
        CapacityUnits?: number;
        ReadCapacityUnits?: number;
        WriteCapacityUnits?: number;
      }[];
      const isRead = ['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems'].includes(op);
      for (const c of reported) {
        if (isRead) u.reportedRru += c.ReadCapacityUnits ?? c.CapacityUnits ?? 0;
        else u.reportedWru += c.WriteCapacityUnits ?? c.CapacityUnits ?? 0;
      }
    }
    if (failure) throw failure;
    return result!;
  }

  private chargeWrite(phase: string, u: Usage, w: Write, before: Image, after: Image, factor: number): void {
    const keyText = `${w.table} ${s(w.key.pk)} ${s(w.key.sk)}`;
    const base = writeUnits(Math.max(itemSize(before), itemSize(after))) * factor;
    u.wru += base;
    if (isPerProcessWrite(w)) {
      // None of these tables' per-process items has an index entry (the meter would miss it here).
      u.perProcessWru += base;
      this.add(this.perProcessWrites, phase, w.table, base);
      return;
    }
    this.add(this.itemWrites, phase, keyText, base);
    this.add(this.partitionWrites, phase, `${w.table} ${s(w.key.pk)}`, base);
    if (w.kind === 'check') return;
    const def = defOf(w.table);
    for (const index of def?.indexes ?? []) {
      const was = s(before?.[index.pk]);
      const now = s(after?.[index.pk]);
      const wasKey = was && `${was}|${s(before?.[index.sk])}`;
      const nowKey = now && `${now}|${s(after?.[index.sk])}`;
      // The index entry is the projection of the item: a change outside it writes nothing to the index.
      const entry = (image: Image) => (image && def ? projected(image, def, index) : image);
      const changed = JSON.stringify(entry(before)) !== JSON.stringify(entry(after));
      const charges: [string, number][] = [];
      if (wasKey && wasKey !== nowKey) charges.push([was!, writeUnits(itemSize(entry(before)))]);
      if (nowKey && (wasKey !== nowKey || changed)) charges.push([now!, writeUnits(itemSize(entry(after)))]);
      for (const [pk, units] of charges) {
        u.wru += units * factor;
        this.add(this.partitionWrites, phase, `${w.table}.${index.name} ${pk}`, units * factor);
      }
    }
  }

  private add(map: Map<string, Map<string, number>>, phase: string, key: string, units: number) {
    let m = map.get(phase);
    if (!m) map.set(phase, (m = new Map()));
    m.set(key, (m.get(key) ?? 0) + units);
  }

  private async image(table: string, key: Key): Promise<Image> {
    const r = await this.probe.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }));
    return r.Item;
  }

  /** The most-written key of a phase and its write units. */
  hottest(map: 'item' | 'partition' | 'read', phase: string): { key: string; wru: number } {
    const maps = { item: this.itemWrites, partition: this.partitionWrites, read: this.partitionReads };
    const m = maps[map].get(phase) ?? new Map<string, number>();
    let best = { key: '(none)', wru: 0 };
    for (const [key, wru] of m) if (wru > best.wru) best = { key, wru };
    return best;
  }

  close() {
    this.probe.destroy();
  }
}

/**
 * Writes a process makes once, not once per payment: the ledger's business-day registry (`DAYS`, once
 * per process per business day) and a receipt key's certificate (`CERT#<kid>`, once per process per
 * signing key, i.e. per container per hour: functions/shared/adapters/certifiedSigner.ts). In a
 * short run they look like a share of every payment; at a sustained rate they are a vanishing one.
 */
export function isPerProcessWrite(w: Pick<Write, 'key'>): boolean {
  const pk = s(w.key.pk);
  return pk === 'DAYS' || pk?.startsWith('CERT#') === true;
}

/** An index's entry of an item: the whole item (projection ALL) or the table's and the index's keys. */
function projected(image: Record<string, AttributeValue>, def: TableDef, index: IndexDef): Image {
  if ((index.projection ?? 'ALL') === 'ALL') return image;
  const out: Record<string, AttributeValue> = {};
  for (const a of [def.pk, def.sk, index.pk, index.sk]) if (image[a]) out[a] = image[a];
  return out;
}

function writesOf(op: string, input: Record<string, unknown>): Write[] {
  const keyOf = (table: string, item: Key): Key => {
    const def = defOf(table);
    return def ? { [def.pk]: item[def.pk]!, [def.sk]: item[def.sk]! } : item;
  };
  const one = (kind: Write['kind'], e: Record<string, unknown>): Write => {
    const table = e.TableName as string;
    const item = e.Item as Key | undefined;
    return { table, kind, item, key: item ? keyOf(table, item) : (e.Key as Key) };
  };
  switch (op) {
    case 'PutItem':
      return [one('put', input)];
    case 'UpdateItem':
      return [one('update', input)];
    case 'DeleteItem':
      return [one('delete', input)];
    case 'TransactWriteItems':
      return (input.TransactItems as Record<string, Record<string, unknown>>[]).map((t) =>
        t.Put
          ? one('put', t.Put)
          : t.Update
            ? one('update', t.Update)
            : t.Delete
              ? one('delete', t.Delete)
              : one('check', t.ConditionCheck!),
      );
    case 'BatchWriteItem':
      return Object.entries(input.RequestItems as Record<string, Record<string, Record<string, unknown>>[]>).flatMap(
        ([TableName, reqs]) =>
          reqs.map((r) =>
            r.PutRequest
              ? one('put', { TableName, ...r.PutRequest })
              : one('delete', { TableName, ...r.DeleteRequest }),
          ),
      );
    default:
      return [];
  }
}

function readsOf(op: string, input: Record<string, unknown>, output: Record<string, unknown>): number {
  const size = (i: unknown) =>
    itemSize(marshall(i as Record<string, unknown>, { removeUndefinedValues: true, convertClassInstanceToMap: true }));
  const factor = (consistent: unknown) => (consistent ? 1 : 0.5);
  switch (op) {
    case 'GetItem':
      return readUnits(size(output.Item ?? {})) * factor(input.ConsistentRead);
    case 'BatchGetItem': {
      let units = 0;
      const req = input.RequestItems as Record<string, { ConsistentRead?: boolean }>;
      for (const [table, items] of Object.entries((output.Responses ?? {}) as Record<string, unknown[]>))
        for (const i of items) units += readUnits(size(i)) * factor(req[table]?.ConsistentRead);
      return units;
    }
    case 'Query':
    case 'Scan':
      return (
        readUnits(((output.Items ?? []) as unknown[]).reduce<number>((a, i) => a + size(i), 0)) *
        factor(input.ConsistentRead)
      );
    case 'TransactGetItems':
      return ((output.Responses ?? []) as { Item?: unknown }[]).reduce(
        (a, r) => a + 2 * readUnits(size(r.Item ?? {})),
        0,
      );
    default:
      return 0;
  }
}

/** The partitions a read touched (its read units are shared among them evenly: an approximation). */
function readPartitionsOf(op: string, input: Record<string, unknown>): string[] {
  const pkOf = (k: unknown) => s((k as Key).pk);
  if (op === 'GetItem') return [`${input.TableName} ${pkOf(input.Key)}`];
  if (op === 'BatchGetItem')
    return Object.entries(input.RequestItems as Record<string, { Keys: Key[] }>).flatMap(([t, r]) =>
      r.Keys.map((k) => `${t} ${pkOf(k)}`),
    );
  if (op === 'Query') {
    const values = input.ExpressionAttributeValues as Record<string, AttributeValue>;
    const first = /^\s*(\S+)\s*=\s*(:\w+)/.exec(String(input.KeyConditionExpression))?.[2];
    const table = input.IndexName ? `${input.TableName}.${input.IndexName}` : String(input.TableName);
    return [`${table} ${first ? s(values[first]) : '?'}`];
  }
  return [];
}
