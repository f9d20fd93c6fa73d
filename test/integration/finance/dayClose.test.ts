import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { tableName } from '../../../functions/shared/wiring';
import { financeContext } from '../../../functions/finance/wiring';
import { settlementPostings, settlementTxId } from '../../../functions/finance/domain/dayClose';
import { importStatement } from '../../../functions/finance/domain/statement';
import { linesOf } from '../../../functions/finance/domain/statementCsv';
import type { Principal } from '../../../functions/shared/domain/principal';
import { documentClient as ddb } from '../../../functions/shared/wiring';
import {
  accounts,
  buildTransaction,
  hashTransaction,
  type LedgerTransaction,
  type LedgerTransactionInput,
} from '../../../functions/ledger/domain/ledger';
import { DAY_GUARD_OFFSET, DAY_GUARD_SHARDS, ledgerKeys } from '../../../functions/ledger/adapters';
import { guardShardOf } from '../../../functions/ledger/adapters/ledgerTable';
import { JWS_TYPE, verifySigned } from '../../../functions/shared/domain/signing';
import { ledgerContext, ledgerTable } from '../../../functions/ledger/wiring';
import { theSigner } from '../../../functions/shared/wiring';

const { queries } = ledgerContext();
const getDayProof = (date: string) => queries.dayProof(date);
const verifyDay = (date: string) => queries.verifyDay(date);
const postTransactionItems = (tx: LedgerTransaction) => ledgerTable().postTransactionItems(tx);
import { matchingStatementRows, paymentRecord, statementCsv, uniqueDate } from '../../unit/finance/dayFixtures';
import { seedPayments } from './seed';

const finance: Principal = { role: 'finance', sub: 'finance:wang' };
const ctx = financeContext();

/** A reconciled, accepted (closed) day with a few payments on every channel. */
async function closedDay() {
  const date = uniqueDate();
  const payments = [
    paymentRecord(date, { paymentId: `${date}-C1`, channel: 'card', amount: 1999 }),
    paymentRecord(date, { paymentId: `${date}-T1`, channel: 'transfer', amount: 100000001 }),
    paymentRecord(date, { paymentId: `${date}-K1`, channel: 'cash', amount: 10, windowId: 'W03' }),
    paymentRecord(date, { paymentId: `${date}-K2`, channel: 'cash', amount: 25, windowId: 'W03' }),
    paymentRecord(date, { paymentId: `${date}-O1`, channel: 'online', amount: 700 }),
  ];
  await seedPayments(payments);
  const s = await importStatement(
    linesOf(statementCsv(matchingStatementRows(date, payments), { bom: true, crlf: true })),
    { date, source: 'api', importedBy: finance.sub, importedAt: new Date().toISOString() },
    ctx.statements,
  );
  const run = await ctx.reconciliations.run({ businessDate: date, statementIds: [s.statementId] }, finance);
  expect(run.unresolved).toBe(0);
  const accepted = await ctx.reconciliations.accept(run.id, finance);
  return { date, payments, run, accepted };
}

const tx = (
  over: Partial<LedgerTransactionInput> & Pick<LedgerTransactionInput, 'id' | 'kind' | 'businessDate' | 'postings'>,
) => buildTransaction({ ref: 'test', createdAt: new Date().toISOString(), ...over });

async function cancellation(items: ReturnType<typeof postTransactionItems>): Promise<string[]> {
  const e = await ddb()
    .send(new TransactWriteCommand({ TransactItems: items }))
    .then(
      () => undefined,
      (x: unknown) => x,
    );
  expect(e).toBeInstanceOf(TransactionCanceledException);
  return ((e as TransactionCanceledException).CancellationReasons ?? []).map((r) => r.Code ?? 'None');
}

describe('day close on DynamoDB Local', () => {
  it('rejects every kind of posting into a closed day, atomically, while other days stay open', async () => {
    const { date, accepted } = await closedDay();
    expect(accepted.status).toBe('closed');
    const kinds = [
      tx({
        id: `late-pay-${date}`,
        kind: 'payment',
        businessDate: date,
        postings: [
          { account: accounts.clearing('card'), debit: 500, credit: 0 },
          { account: accounts.revenue('D01', 'F1'), debit: 0, credit: 500 },
        ],
      }),
      tx({
        id: `late-refund-${date}`,
        kind: 'refund',
        businessDate: date,
        postings: [
          { account: accounts.revenue('D01', 'F1'), debit: 100, credit: 0 },
          { account: accounts.clearing('card'), debit: 0, credit: 100 },
        ],
      }),
      tx({
        id: `late-settle-${date}`,
        kind: 'settlement',
        businessDate: date,
        postings: [
          { account: accounts.fiscalSpecialAccount(), debit: 9, credit: 0 },
          { account: accounts.clearing('cash'), debit: 0, credit: 9 },
        ],
      }),
      tx({
        id: `late-adj-${date}`,
        kind: 'adjustment',
        businessDate: date,
        postings: [
          { account: accounts.suspense(), debit: 7, credit: 0 },
          { account: accounts.clearing('online'), debit: 0, credit: 7 },
        ],
      }),
      tx({
        id: `late-alloc-${date}`,
        kind: 'allocation',
        businessDate: date,
        postings: [
          { account: accounts.allocation('D01', 'AL-X'), debit: 7, credit: 0 },
          { account: accounts.budgetAppropriation(), debit: 0, credit: 7 },
        ],
      }),
    ];
    // The ids land on different shards: every shard's guard is there.
    expect(new Set(kinds.map((k) => guardShardOf(k.id))).size).toBeGreaterThan(1);
    for (const k of kinds) {
      // Alongside another write, as the payments context posts (notice flip + payment + ledger): all or nothing.
      const sideEffect = { Put: { TableName: tableName('Finance'), Item: { pk: `PROBE#${k.id}`, sk: 'PROBE' } } };
      const codes = await cancellation([sideEffect, ...postTransactionItems(k)]);
      expect(codes[1 + DAY_GUARD_OFFSET], k.kind).toBe('ConditionalCheckFailed');
      expect(
        (
          await ddb().send(
            new GetCommand({ TableName: tableName('Ledger'), Key: ledgerKeys.transaction(k.businessDate, k.id) }),
          )
        ).Item,
      ).toBeUndefined();
      expect(
        (
          await ddb().send(
            new GetCommand({ TableName: tableName('Finance'), Key: { pk: `PROBE#${k.id}`, sk: 'PROBE' } }),
          )
        ).Item,
      ).toBeUndefined();
      await expect(ctx.journal.post(k)).rejects.toMatchObject({ type: 'day-closed' });
    }
    for (let shard = 0; shard < DAY_GUARD_SHARDS; shard++)
      expect(
        (await ddb().send(new GetCommand({ TableName: tableName('Ledger'), Key: ledgerKeys.dayGuard(date, shard) })))
          .Item,
      ).toBeDefined();

    const openDay = uniqueDate(); // another, open day (a refund of a closed day's payment posts into an open one)
    const open = tx({
      id: `open-${date}`,
      kind: 'refund',
      businessDate: openDay,
      postings: [
        { account: accounts.revenue('D01', 'F1'), debit: 100, credit: 0 },
        { account: accounts.clearing('card'), debit: 0, credit: 100 },
      ],
    });
    expect(await ctx.journal.post(open)).toBe('posted');
  });

  it('stores a signed proof over the day including its settlement, and verify agrees', async () => {
    const { date, payments, accepted } = await closedDay();
    const proof = await getDayProof(date);
    expect(proof).toEqual(accepted.proof);
    expect(proof.count).toBe(payments.length + 1); // the settlement is inside the day
    expect(verifySigned(proof.signature, await theSigner('dayProof').jwks(), JWS_TYPE.dayProof)).toEqual({
      date,
      root: proof.root,
      count: proof.count,
    });
    expect(await verifyDay(date)).toMatchObject({ ok: true, root: proof.root, count: proof.count, problems: [] });
    const run = await ctx.reconciliations.get((await ctx.runs.latestRun(date))!.id);
    expect(run).toMatchObject({ status: 'closed', proof });
  });

  it('finishes a close that stopped half-way, and no other reconciliation can close the day again', async () => {
    const date = uniqueDate();
    const payments = [
      paymentRecord(date, { paymentId: `${date}-H1`, channel: 'card', amount: 4321 }),
      paymentRecord(date, { paymentId: `${date}-H2`, channel: 'cash', amount: 99, windowId: 'W8' }),
    ];
    await seedPayments(payments);
    const s = await importStatement(
      linesOf(statementCsv(matchingStatementRows(date, payments))),
      { date, source: 'api', importedBy: finance.sub, importedAt: new Date().toISOString() },
      ctx.statements,
    );
    const run = await ctx.reconciliations.run({ businessDate: date, statementIds: [s.statementId] }, finance);
    // An accept that crashed after step 3: the settlement posted and the guards written, no proof yet.
    const settlement = buildTransaction({
      id: settlementTxId(date),
      kind: 'settlement',
      ref: run.id,
      businessDate: date,
      createdAt: new Date().toISOString(),
      postings: settlementPostings({ matchedByChannel: { card: 4321, cash: 99 }, differences: [] }, new Map()),
    });
    expect(await ctx.journal.post(settlement)).toBe('posted');
    await ctx.journal.closeDay(date, run.id);
    expect(await getDayProof(date).catch((e: unknown) => e)).toMatchObject({ type: 'not-found' });

    const accepted = await ctx.reconciliations.accept(run.id, finance);
    expect(accepted).toMatchObject({ status: 'closed', replayed: false, proof: { count: 3 } });
    expect((await ctx.journal.transactionsOfDay(date)).filter((t) => t.kind === 'settlement')).toHaveLength(1);
    expect((await verifyDay(date)).ok).toBe(true);
    await expect(ctx.journal.closeDay(date, 'RC-19000101-V001')).rejects.toMatchObject({ type: 'day-closed' });
    expect(await ctx.journal.dayClosedBy(date)).toBe(run.id);
  });

  it('verify catches an altered transaction, a missing one, and an altered proof', async () => {
    const { date, payments } = await closedDay();
    const ledger = tableName('Ledger');
    const victim = ledgerKeys.transaction(date, `pay-${payments[0]!.paymentId}`);
    const original = (await ddb().send(new GetCommand({ TableName: ledger, Key: victim }))).Item!;

    // 1. Edit one stored posting in place (the hash attribute left as it was).
    await ddb().send(
      new UpdateCommand({
        TableName: ledger,
        Key: victim,
        UpdateExpression: 'SET postings[0].debit = :d, postings[1].credit = :d',
        ExpressionAttributeValues: { ':d': 1 },
      }),
    );
    const altered = await verifyDay(date);
    expect(altered.ok).toBe(false);
    expect(altered.problems).toContain(`transaction pay-${payments[0]!.paymentId} does not match its hash`);
    expect(altered.problems).toContain('the recomputed Merkle root differs from the proof');

    // 2. Even with the hash attribute recomputed to match the edit, the root still gives it away.
    const forgedPostings = [
      { account: 'clr:card', debit: 1, credit: 0 },
      { account: 'rev:D01:FEE-A', debit: 0, credit: 1 },
    ];
    const forgedTx = { ...(original as unknown as LedgerTransaction), postings: forgedPostings };
    await ddb().send(
      new PutCommand({
        TableName: ledger,
        Item: { ...original, postings: forgedPostings, hash: hashTransaction(forgedTx) },
      }),
    );
    expect((await verifyDay(date)).problems).toEqual(['the recomputed Merkle root differs from the proof']);
    await ddb().send(new PutCommand({ TableName: ledger, Item: original }));
    expect((await verifyDay(date)).ok).toBe(true);

    // 3. Delete another transaction.
    const gone = ledgerKeys.transaction(date, `pay-${payments[1]!.paymentId}`);
    const goneItem = (await ddb().send(new GetCommand({ TableName: ledger, Key: gone }))).Item!;
    await ddb().send(new DeleteCommand({ TableName: ledger, Key: gone }));
    const missing = await verifyDay(date);
    expect(missing.ok).toBe(false);
    expect(missing.problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`the proof counted ${payments.length + 1}`),
        'the recomputed Merkle root differs from the proof',
      ]),
    );
    await ddb().send(new PutCommand({ TableName: ledger, Item: goneItem }));

    // 4. Rewrite the proof to match a forged day: the signature no longer covers it.
    const proof = await getDayProof(date);
    await ddb().send(
      new PutCommand({ TableName: ledger, Item: { ...ledgerKeys.dayProof(date), ...proof, count: proof.count + 1 } }),
    );
    const forged = await verifyDay(date);
    expect(forged.ok).toBe(false);
    expect(forged.problems).toContain('the stored proof differs from what was signed');
  });
});
