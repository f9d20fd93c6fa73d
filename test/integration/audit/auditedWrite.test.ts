import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CatalogTable } from '../../../functions/catalog/adapters/catalogTable';
import { LedgerTable } from '../../../functions/ledger/adapters/ledgerTable';
import { config } from '../../../functions/shared/config';
import {
  AUDIT_DAY_SHARDS,
  auditKeys,
  auditShardOf,
  currentAuditScope,
  finishAuditScope,
  openAuditScope,
  stagingWrites,
  withAuditScope,
  type AuditScope,
} from '../../../functions/shared/adapters/auditTrail';
import { auditingClient } from '../../../functions/shared/adapters/auditedWrite';
import { createDocClient, type DocClient } from '../../../functions/shared/adapters/dynamo';
import { auditDateOf, hashAuditEvent, type AuditEvent } from '../../../functions/shared/domain/audit';
import { DomainError } from '../../../functions/shared/domain/errors';
// The kernel's wiring configures the audit trail (table, bookkeeping tables, clock) as in every function.
import { tableName } from '../../../functions/shared/wiring';
import type { Route } from '../../../schemas/routes';

/**
 * The audit event and the change it records commit together or not at all, against DynamoDB Local.
 * The auditing client is built over a client that can fail one chosen call `before` it reaches
 * DynamoDB, or `after` DynamoDB applied it (the answer lost, as in a crash or a timeout).
 */
const raw = createDocClient({ endpoint: config().dynamoEndpoint, region: 'local' });

class Faults implements DocClient {
  calls = 0;
  constructor(private readonly fail?: { call: number; when: 'before' | 'after' }) {}
  send = (async (command: never) => {
    const n = ++this.calls;
    if (this.fail?.call === n && this.fail.when === 'before') throw new Error(`injected before call ${n}`);
    const out = await raw.send(command);
    if (this.fail?.call === n && this.fail.when === 'after') throw new Error(`injected after call ${n}`);
    return out;
  }) as DocClient['send'];
}

const route: Route = {
  method: 'POST',
  path: '/v1/departments',
  fn: 'catalog',
  access: { kind: 'token', roles: ['admin'] },
};
const CATALOG = () => tableName('Catalog');

/** Runs `work` as one request would: inside its scope, then the event written alone if nothing carried it. */
async function request(work: (client: DocClient) => Promise<unknown>, fail?: Faults['fail']) {
  const scope = openAuditScope({
    route,
    actor: { sub: `admin-${randomUUID()}`, role: 'admin' },
    params: {},
    requestId: randomUUID(),
  }) as AuditScope;
  expect(scope).toBeDefined();
  const client = auditingClient(new Faults(fail));
  let status = 200;
  let error: unknown;
  await withAuditScope(scope, async () => {
    try {
      await work(client);
    } catch (e) {
      error = e;
      status = e instanceof DomainError ? e.status : 500;
    }
    await finishAuditScope(scope, status);
  });
  return { scope, error, event: await storedEvent(scope.pending.id), eventsOfRequest: await eventsOf(scope) };
}

/** The stored item as it is, its keys included. */
async function storedItem(id: string) {
  const r = await raw.send(
    new GetCommand({ TableName: tableName('Audit'), Key: auditKeys.event(id)!, ConsistentRead: true }),
  );
  return r.Item;
}

const storedEvent = async (id: string) => (await storedItem(id)) as AuditEvent | undefined;

/** Every event of the request's day partitions with its requestId (at most one may exist). */
async function eventsOf(scope: AuditScope): Promise<number> {
  let n = 0;
  for (let shard = 0; shard < AUDIT_DAY_SHARDS; shard++) {
    const r = await raw.send(
      new QueryCommand({
        TableName: tableName('Audit'),
        KeyConditionExpression: 'pk = :p',
        FilterExpression: 'requestId = :r',
        ExpressionAttributeValues: {
          ':p': auditKeys.dayShard(scope.pending.date, shard),
          ':r': scope.pending.requestId,
        },
      }),
    );
    n += r.Items?.length ?? 0;
  }
  return n;
}

const itemExists = async (pk: string) =>
  (await raw.send(new GetCommand({ TableName: CATALOG(), Key: { pk, sk: 'T' }, ConsistentRead: true }))).Item !==
  undefined;
const put = (pk: string, conditional = true) =>
  new PutCommand({
    TableName: CATALOG(),
    Item: { pk, sk: 'T' },
    ...(conditional ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
  });

describe('the audit event rides in the transaction of the request’s first change', () => {
  it('turns a conditional put into a two-item transaction: the change and its event, committed together', async () => {
    const pk = `AUDIT-T#${randomUUID()}`;
    const r = await request((c) => c.send(put(pk)));
    expect(await itemExists(pk)).toBe(true);
    expect(r.event).toMatchObject({
      outcome: 'committed',
      action: 'POST /v1/departments',
      requestId: r.scope.pending.requestId,
    });
    expect(r.event!.status).toBeUndefined();
    expect(hashAuditEvent(r.event!)).toBe(r.event!.hash);
    expect(r.eventsOfRequest).toBe(1);
  });

  it('stores the event as one item under its day’s shard, found from its id alone, with no index entry', async () => {
    const r = await request((c) => c.send(put(`AUDIT-T#${randomUUID()}`)));
    const { id, date } = r.scope.pending;
    expect(id).toMatch(new RegExp(`^${date.replaceAll('-', '')}-[0-9a-f-]{36}$`));
    expect(auditDateOf(id)).toBe(date);
    const item = await storedItem(id);
    expect(item).toMatchObject({ pk: auditKeys.dayShard(date, auditShardOf(id)), sk: id, id });
    expect(Object.keys(item!).filter((k) => /^gsi/.test(k))).toEqual([]);
  });

  it('keeps the error the adapter expects: a failed condition is still department-exists, and the event says rejected', async () => {
    // A valid department id (the listing's document checks the shape of every id it returns).
    const id = `AU${randomUUID().replace(/-/g, '').slice(0, 8).toUpperCase()}`;
    await request((c) => new CatalogTable(c, CATALOG()).putDepartment({ id, name: '审计测试' }));
    const again = await request((c) => new CatalogTable(c, CATALOG()).putDepartment({ id, name: '审计测试' }));
    expect(again.error).toMatchObject({ type: 'department-exists' });
    expect(again.event).toMatchObject({ outcome: 'rejected', status: 409 });
    expect(again.eventsOfRequest).toBe(1);
  });

  it('adds one Put to a TransactWriteItems and hands a cancellation back with the caller’s own reasons only', async () => {
    const taken = `AUDIT-T#${randomUUID()}`;
    await raw.send(put(taken));
    const fresh = `AUDIT-T#${randomUUID()}`;
    const r = await request((c) =>
      c.send(new TransactWriteCommand({ TransactItems: [{ Put: put(fresh).input }, { Put: put(taken).input }] })),
    );
    expect(r.error).toBeInstanceOf(TransactionCanceledException);
    expect((r.error as TransactionCanceledException).CancellationReasons!.map((x) => x.Code)).toEqual([
      'None',
      'ConditionalCheckFailed',
    ]);
    expect(await itemExists(fresh)).toBe(false);
    // Nothing committed, so the event was written alone once the response was known.
    expect(r.event).toMatchObject({ outcome: 'failed', status: 500 });
  });

  it('a fault before the transaction leaves neither the change nor the event in it', async () => {
    const pk = `AUDIT-T#${randomUUID()}`;
    const r = await request((c) => c.send(put(pk)), { call: 1, when: 'before' });
    expect(await itemExists(pk)).toBe(false);
    expect(r.event).toMatchObject({ outcome: 'failed' });
  });

  it('a crash after DynamoDB applied it (the answer lost) leaves both, and still one event for the request', async () => {
    const pk = `AUDIT-T#${randomUUID()}`;
    const r = await request((c) => c.send(put(pk)), { call: 1, when: 'after' });
    expect(await itemExists(pk)).toBe(true);
    expect(r.event).toMatchObject({ outcome: 'committed' });
    expect(r.eventsOfRequest).toBe(1);
  });

  it('a request of several writes: the first carries the event, none after it does; a fault between them keeps the first with its event', async () => {
    const [a, b] = [`AUDIT-T#${randomUUID()}`, `AUDIT-T#${randomUUID()}`];
    const r = await request(
      async (c) => {
        await c.send(put(a));
        await c.send(put(b));
      },
      { call: 2, when: 'before' },
    );
    expect([await itemExists(a), await itemExists(b)]).toEqual([true, false]);
    expect(r.event).toMatchObject({ outcome: 'committed' });
    expect(r.eventsOfRequest).toBe(1);
  });

  it('concurrent writes of one request: exactly one carries the event', async () => {
    const pks = Array.from({ length: 5 }, () => `AUDIT-T#${randomUUID()}`);
    const r = await request((c) => Promise.all(pks.map((pk) => c.send(put(pk)))));
    for (const pk of pks) expect(await itemExists(pk)).toBe(true);
    expect(r.eventsOfRequest).toBe(1);
  });

  it('bookkeeping (an idempotency record) and staging writes do not carry it; the change after them does', async () => {
    const [staged, change] = [`AUDIT-T#${randomUUID()}`, `AUDIT-T#${randomUUID()}`];
    const r = await request(
      async (c) => {
        await c.send(
          new PutCommand({ TableName: tableName('Idempotency'), Item: { pk: `AUDIT-T#${randomUUID()}`, sk: 'T' } }),
        );
        await stagingWrites(() => c.send(put(staged, false)));
        expect(await storedEvent(currentAuditScope()!.pending.id)).toBeUndefined();
        await c.send(put(change));
      },
      // A fault on the change: the staged item exists (invisible staging), the event does not commit.
      { call: 3, when: 'before' },
    );
    expect(await itemExists(staged)).toBe(true);
    expect(await itemExists(change)).toBe(false);
    expect(r.event).toMatchObject({ outcome: 'failed' });
  });

  it('the ledger’s day registry, put ahead of a posting, does not carry the event: a posting refused after it leaves none committed', async () => {
    const taken = `AUDIT-T#${randomUUID()}`;
    await raw.send(put(taken));
    const r = await request(async (c) => {
      // A date no process has registered yet, so the registry's put really happens in this request.
      await new LedgerTable(c, tableName('Ledger')).registerBusinessDay(
        `2${randomUUID().replace(/\D/g, '').slice(0, 3)}-01-01`,
      );
      await c.send(put(taken));
    });
    expect(r.error).toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(r.event).toMatchObject({ outcome: 'failed' });
    expect(r.eventsOfRequest).toBe(1);
  });

  it('refuses a single write it cannot carry (ReturnValues) instead of writing the change without its event', async () => {
    const pk = `AUDIT-T#${randomUUID()}`;
    const r = await request((c) =>
      c.send(
        new UpdateCommand({
          TableName: CATALOG(),
          Key: { pk, sk: 'T' },
          UpdateExpression: 'SET n = :n',
          ExpressionAttributeValues: { ':n': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    expect(String(r.error)).toContain('cannot carry');
    expect(await itemExists(pk)).toBe(false);
  });
});
