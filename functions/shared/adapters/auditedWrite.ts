import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
  type CancellationReason,
} from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { sealAuditEvent, type AuditEvent } from '../domain/audit';
import { auditEventPut, auditTrailSettings, currentAuditScope, isStaging } from './auditTrail';
import type { DocClient, TransactItem } from './dynamo';

/**
 * The document client adapters are built with, wrapped so that a state-changing request's first
 * change carries its audit event in the same DynamoDB transaction (ADR 0017):
 *
 * - a TransactWriteItems gets one more Put (the event), and a cancellation is handed back with the
 *   reasons of the caller's own entries only, so the adapter reads them by index as before;
 * - a single Put, Update or Delete becomes a two-item transaction, and a failed condition is thrown
 *   as the ConditionalCheckFailedException the adapter expects (with the item, when it asked for it);
 * - writes to bookkeeping tables (Idempotency, RateLimits, Audit) and BatchWriteItem pass through:
 *   a batch is not atomic, so it cannot carry the event (the adapters batch only staging items that
 *   a later single write makes visible; that write carries it);
 * - writes an adapter marks as staging (`stagingWrites`: content a later write makes visible) pass through;
 * - reads, and everything outside an audited request's scope, pass through untouched.
 *
 * Writes of one request that run concurrently wait for the one carrying the event, so exactly one
 * write carries it, and none commits before it.
 */
export function auditingClient(inner: DocClient): DocClient {
  const send = async (command: unknown, options?: unknown) => {
    const scope = currentAuditScope();
    const s = auditTrailSettings();
    if (!scope?.changes || !s || isStaging()) return inner.send(command as never, options as never);
    while (scope.inFlight) await scope.inFlight.catch(() => undefined);
    const carrier = scope.written ? undefined : carrierOf(command, s.bookkeeping());
    if (!carrier) return inner.send(command as never, options as never);
    const event = sealAuditEvent({
      ...scope.pending,
      outcome: 'committed',
      touched: touchedBy(command, s.bookkeeping()),
    });
    const attempt = carrier(inner, auditEventPut(s.table(), event), options, () => {
      scope.written = true;
    });
    scope.inFlight = attempt;
    try {
      const out = await attempt;
      scope.written = true;
      return out;
    } finally {
      scope.inFlight = undefined;
    }
  };
  return { send: send as DocClient['send'] };
}

/** Puts an event alone, once: false when it is stored already (a lost answer to the write that carried it). */
export function auditEventWriter(client: DocClient, table: () => string) {
  return async (event: AuditEvent): Promise<boolean> => {
    try {
      await client.send(new PutCommand(auditEventPut(table(), event)));
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  };
}

type AuditPut = ReturnType<typeof auditEventPut>;
type Carrier = (inner: DocClient, audit: AuditPut, options: unknown, stored: () => void) => Promise<unknown>;

const MAX_TOUCHED = 30;

const nameOf = (key: Record<string, unknown> | undefined): unknown =>
  typeof key?.sk === 'string' && !/^[A-Z]+$/.test(key.sk) ? `${key.pk}/${key.sk}` : key?.pk;

/**
 * What names each item a write changes, bookkeeping tables and condition checks aside: its partition
 * key when its sort key is a bare tag (`NOTICE#<noticeNo>` / `NOTICE`), else both
 * (`PDAY#<date>#<shard>/PAY#<paymentId>`: an item in a partition it shares, such as a day's shard).
 */
function touchedBy(command: unknown, bookkeeping: readonly string[]): string[] {
  const entries: { TableName?: string; Item?: Record<string, unknown>; Key?: Record<string, unknown> }[] =
    command instanceof TransactWriteCommand
      ? (command.input.TransactItems ?? []).flatMap((i) => [i.Put ?? i.Update ?? i.Delete ?? []].flat())
      : [(command as { input: { TableName?: string } }).input];
  const keys = entries
    .filter((e) => !bookkeeping.includes(e.TableName ?? ''))
    .map((e) => nameOf(e.Item ?? e.Key))
    .filter((name): name is string => typeof name === 'string');
  return [...new Set(keys)].slice(0, MAX_TOUCHED);
}

/** How `command` carries the event, or undefined when it must not (a read, a batch, bookkeeping). */
function carrierOf(command: unknown, bookkeeping: readonly string[]): Carrier | undefined {
  if (command instanceof TransactWriteCommand) {
    const items = command.input.TransactItems ?? [];
    const tables = items.map((i) => (i.Put ?? i.Update ?? i.Delete ?? i.ConditionCheck)?.TableName ?? '');
    const changes = items.some((i, n) => !i.ConditionCheck && !bookkeeping.includes(tables[n]!));
    return changes
      ? (inner, audit, options, stored) => transactWithEvent(inner, command, audit, options, stored)
      : undefined;
  }
  const table = (command as { input?: { TableName?: string } }).input?.TableName;
  if (table === undefined || bookkeeping.includes(table)) return undefined;
  const single = singleWrite(command);
  return single && ((inner, audit, _options, stored) => singleWithEvent(inner, single, audit, stored));
}

async function transactWithEvent(
  inner: DocClient,
  command: TransactWriteCommand,
  audit: AuditPut,
  options: unknown,
  stored: () => void,
): Promise<unknown> {
  const own = command.input.TransactItems ?? [];
  const withEvent = new TransactWriteCommand({ ...command.input, TransactItems: [...own, { Put: audit }] });
  try {
    return await inner.send(withEvent, options as never);
  } catch (e) {
    if (!(e instanceof TransactionCanceledException) || !e.CancellationReasons) throw e;
    if (eventAlreadyStored(e.CancellationReasons[own.length])) stored();
    // The adapter reads the reasons of its own entries by index; the event's is not one of them.
    e.CancellationReasons = e.CancellationReasons.slice(0, own.length);
    throw e;
  }
}

type SingleKind = 'Put' | 'Update' | 'Delete';
interface SingleWrite {
  kind: SingleKind;
  entry: TransactItem;
  /** Whether the caller asked for the item back on a failed condition. */
  wantsItem: boolean;
}

/** Fields a transaction entry takes from a single write; anything else (ReturnValues, legacy Expected) refuses. */
const ENTRY_FIELDS: Record<SingleKind, readonly string[]> = {
  Put: ['TableName', 'Item', 'ConditionExpression', 'ExpressionAttributeNames', 'ExpressionAttributeValues'],
  Update: [
    'TableName',
    'Key',
    'UpdateExpression',
    'ConditionExpression',
    'ExpressionAttributeNames',
    'ExpressionAttributeValues',
  ],
  Delete: ['TableName', 'Key', 'ConditionExpression', 'ExpressionAttributeNames', 'ExpressionAttributeValues'],
};
const HARMLESS = ['ReturnValuesOnConditionCheckFailure', 'ReturnConsumedCapacity', 'ReturnItemCollectionMetrics'];

function singleWrite(command: unknown): SingleWrite | undefined {
  const kind: SingleKind | undefined =
    command instanceof PutCommand
      ? 'Put'
      : command instanceof UpdateCommand
        ? 'Update'
        : command instanceof DeleteCommand
          ? 'Delete'
          : undefined;
  if (!kind) return undefined;
  const input = (command as PutCommand | UpdateCommand | DeleteCommand).input as Record<string, unknown>;
  const entry: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(input)) {
    if (value === undefined || HARMLESS.includes(field) || (field === 'ReturnValues' && value === 'NONE')) continue;
    // A transaction cannot return the item (ReturnValues) or take legacy parameters: refuse loudly
    // rather than write the change without its event.
    if (!ENTRY_FIELDS[kind].includes(field))
      throw new Error(`The audit trail cannot carry a ${kind} with ${field}; write it in a TransactWriteItems`);
    entry[field] = value;
  }
  const wantsItem = input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD';
  if (wantsItem) entry.ReturnValuesOnConditionCheckFailure = 'ALL_OLD';
  return { kind, entry: { [kind]: entry } as TransactItem, wantsItem };
}

async function singleWithEvent(
  inner: DocClient,
  single: SingleWrite,
  audit: AuditPut,
  stored: () => void,
): Promise<unknown> {
  try {
    await inner.send(new TransactWriteCommand({ TransactItems: [single.entry, { Put: audit }] }));
    return { $metadata: {} };
  } catch (e) {
    if (!(e instanceof TransactionCanceledException) || !e.CancellationReasons) throw e;
    const [own, event] = e.CancellationReasons;
    if (eventAlreadyStored(event)) {
      stored();
      // An earlier attempt of this request committed the event, hence its change: this one is a repeat.
      if (own?.Code === 'None') return { $metadata: e.$metadata };
    }
    if (own?.Code === 'ConditionalCheckFailed')
      throw new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: e.$metadata,
        ...(single.wantsItem && own.Item ? { Item: own.Item } : {}),
      });
    if (own?.Code === 'TransactionConflict')
      throw Object.assign(new Error('Transaction is ongoing for the item'), { name: 'TransactionConflictException' });
    throw e;
  }
}

/**
 * The event's put failed its condition: the event is stored already, by an earlier attempt of this
 * request whose answer was lost (a timeout after DynamoDB applied it). Its change committed with it.
 */
const eventAlreadyStored = (reason: CancellationReason | undefined): boolean =>
  reason?.Code === 'ConditionalCheckFailed';
