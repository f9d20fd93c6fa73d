import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { inject } from 'vitest';
import { describe, expect, it } from 'vitest';
import { startStreamPoller, waitForAggregation } from '../../../infra/local/streams';
import { tableName } from '../../../functions/shared/wiring';
import { paymentContributions } from '../../../functions/opendata/domain/aggregation';
import { handler as aggregate } from '../../../functions/opendata/entry/stream';
import { streamContext } from '../../../functions/opendata/wiring';
import { documentClient as ddb } from '../../../functions/shared/wiring';
import { differences, foldRecords } from '../../../functions/opendata/domain/rebuild';
import { rebuildContext } from '../../../functions/opendata/wiring';
import { rebuildAggregates } from '../../../infra/local/rebuildAggregates';
import { uniq } from '../../support/api';
import { prng, syntheticPayment, syntheticRefund, universe } from '../../unit/opendata/fixtures';
import { writeBankRefItem, writePaymentsTable } from './support';

/** The aggregator's own store and business clock, as its wiring builds them. */
const { aggregates: store, clock } = streamContext();

describe('aggregator on the Payments stream of DynamoDB Local', () => {
  it('aggregates payments and refunds written to the Payments table, ignoring other item types, once each', async () => {
    const tag = uniq();
    const u = universe({ departments: 2, feesPerDepartment: 2, months: ['2024-03'] });
    u.departments = u.departments.map((d) => `${d}X${tag}`);
    u.fees = new Map(
      [...u.fees.values()].map((fees, i) => [u.departments[i]!, fees.map((f) => ({ ...f, code: `${f.code}-${tag}` }))]),
    );
    const rand = prng(42);
    const payments = Array.from({ length: 30 }, (_, i) => syntheticPayment(u, i, rand, { paymentId: `P${tag}-${i}` }));
    const refunds = payments
      .slice(0, 4)
      .map((p, i) => ({ ...syntheticRefund(p, i), refundId: `RF${tag}-${i}`, refundedAt: p.paidAt }));
    const keys = await writePaymentsTable([...payments, ...refunds]);
    await writeBankRefItem('card', `B${tag}`, payments[0]!.paymentId);
    await waitForAggregation(keys);

    // The payments context may rewrite an item (MODIFY): still one payment.
    await ddb().send(
      new PutCommand({
        TableName: tableName('Payments'),
        Item: { pk: `PAY#${payments[0]!.paymentId}`, sk: 'PAY', ...payments[0]!, receiptNo: 'R-again' },
      }),
    );
    await waitForAggregation([`PAY#${payments[0]!.paymentId}`]);
    await new Promise((r) => setTimeout(r, 500)); // let the poller take the MODIFY record too

    const cells = await store.cellsOfMonth('2024-03');
    for (const dept of u.departments)
      for (const fee of u.fees.get(dept)!) {
        const expected = { paymentCount: 0, amount: 0, refundCount: 0, refundAmount: 0 };
        for (const p of payments) {
          const lines = p.lines.filter((l) => l.departmentId === dept && l.feeCode === fee.code);
          if (lines.length) {
            expected.paymentCount++;
            expected.amount += lines.reduce((s, l) => s + l.amount, 0);
          }
        }
        for (const r of refunds)
          for (const l of r.lines)
            if (l.departmentId === dept && l.feeCode === fee.code) {
              expected.refundCount++;
              expected.refundAmount += l.amount;
            }
        const got = cells.get(`MC#${dept}#${fee.code}`) ?? {};
        expect(
          {
            paymentCount: got.paymentCount ?? 0,
            amount: got.amount ?? 0,
            refundCount: got.refundCount ?? 0,
            refundAmount: got.refundAmount ?? 0,
          },
          `${dept} ${fee.code}`,
        ).toEqual(expected);
      }
    const notices = u.departments.map((d) => cells.get(`NT#${d}`)?.noticeCount ?? 0).reduce((a, b) => a + b, 0);
    expect(notices).toBe(new Set(payments.flatMap((p) => p.lines.map((l) => l.noticeNo))).size);
    expect(await store.months()).toContain('2024-03');
  });

  it('counts a re-delivered stream batch once', async () => {
    const tag = uniq();
    const u = universe({ departments: 1, feesPerDepartment: 1, months: ['2024-02'] });
    u.departments = [`R${tag}`];
    u.fees = new Map([[`R${tag}`, [{ code: `FEE-${tag}`, amount: 500 }]]]);
    const p = syntheticPayment(u, 1, prng(3), { paymentId: `P${tag}` });
    const event = {
      Records: [
        {
          eventID: '1',
          eventName: 'INSERT',
          eventSource: 'aws:dynamodb',
          eventSourceARN: 'arn:aws:dynamodb:local:000000000000:table/Payments/stream/x',
          dynamodb: {
            SequenceNumber: '1',
            NewImage: {
              recordType: { S: 'payment' },
              paymentId: { S: p.paymentId },
              channel: { S: p.channel },
              amount: { N: String(p.amount) },
              paidAt: { S: p.paidAt },
              lines: {
                L: p.lines.map((l) => ({
                  M: {
                    noticeNo: { S: l.noticeNo },
                    departmentId: { S: l.departmentId },
                    feeCode: { S: l.feeCode },
                    amount: { N: String(l.amount) },
                    noticeIssuedAt: { S: l.noticeIssuedAt },
                  },
                })),
              },
            },
          },
        },
      ],
    } as unknown as DynamoDBStreamEvent;
    // First delivery four times at once: all see no marker, all attempt the transaction, one wins.
    await Promise.all([aggregate(event), aggregate(event), aggregate(event), aggregate(event)]);
    await aggregate(event); // and later once more (skipped by the marker read)
    expect((await store.cellsOfMonth('2024-02')).get(`MC#R${tag}#FEE-${tag}`)).toEqual({
      paymentCount: 1,
      amount: p.amount,
    });
    expect(await store.isApplied(`PAY#${p.paymentId}`)).toBe(true);
    // The same record again as the start of a run: its run marker says it was applied.
    expect(await store.applyRun([paymentContributions(p, clock)])).toEqual({ applied: 0, duplicates: 1 });
    expect((await store.cellsOfMonth('2024-02')).get(`MC#R${tag}#FEE-${tag}`)).toEqual({
      paymentCount: 1,
      amount: p.amount,
    });
  });

  it('rebuilds from the Payments table exactly what the stream produced, and repairs a month that drifted', async () => {
    const tag = uniq();
    const month = '2012-07';
    const u = universe({ departments: 2, feesPerDepartment: 2, months: [month] });
    u.departments = u.departments.map((d) => `${d}B${tag}`);
    u.fees = new Map(
      [...u.fees.values()].map((fees, i) => [u.departments[i]!, fees.map((f) => ({ ...f, code: `${f.code}-${tag}` }))]),
    );
    const rand = prng(11);
    const payments = Array.from({ length: 150 }, (_, i) => syntheticPayment(u, i, rand, { paymentId: `P${tag}-${i}` }));
    const refunds = payments
      .slice(0, 6)
      .map((p, i) => ({ ...syntheticRefund(p, i), refundId: `RF${tag}-${i}`, refundedAt: p.paidAt }));
    await waitForAggregation(await writePaymentsTable([...payments, ...refunds]));
    const { records, aggregates } = rebuildContext();
    const rebuilt = (await foldRecords(records.allRecords(), clock)).get(month)!;
    expect([...rebuilt.keys()].length).toBeGreaterThan(4);
    expect(await differences(aggregates, month, rebuilt)).toEqual([]);
    expect(await store.cellsOfMonth(month)).toEqual(rebuilt);
    const report = await rebuildAggregates({ write: false });
    expect(report.find((r) => r.month === month)).toEqual({ month, differing: [] });
    // A month that drifted (a count applied twice by hand) is found and replaced by the rebuilt totals.
    const cell = [...rebuilt.keys()].find((c) => c.startsWith('MC#'))!;
    await store.applyRun([
      { key: `DRIFT#${tag}`, contributions: [{ month, shard: 3, cell, add: { paymentCount: 1 } }] },
    ]);
    expect(await differences(aggregates, month, rebuilt)).toEqual([cell]);
    await aggregates.replaceMonth(month, rebuilt);
    expect(await store.cellsOfMonth(month)).toEqual(rebuilt);
  });

  it('polls every shard and delivers Lambda-shaped DynamoDBStreamEvent batches, then stops cleanly', async () => {
    const tag = uniq();
    const seen: DynamoDBStreamEvent[] = [];
    const poller = await startStreamPoller({
      endpoint: inject('dynamodbEndpoint'),
      handler: async (e) => void seen.push(e),
      idleMs: 50,
    });
    try {
      const u = universe({ departments: 1, feesPerDepartment: 1, months: ['2024-01'] });
      const p = syntheticPayment(u, 1, prng(9), { paymentId: `P${tag}` });
      await writePaymentsTable([p]);
      await poller.drained();
      const records = seen.flatMap((e) => e.Records);
      const mine = records.find((r) => r.dynamodb?.NewImage?.paymentId?.S === p.paymentId);
      expect(mine).toMatchObject({
        eventName: 'INSERT',
        eventSource: 'aws:dynamodb',
        eventSourceARN: poller.streamArn,
        dynamodb: {
          Keys: { pk: { S: `PAY#${p.paymentId}` }, sk: { S: 'PAY' } },
          NewImage: { recordType: { S: 'payment' }, amount: { N: String(p.amount) } },
        },
      });
      expect(typeof mine!.dynamodb!.SequenceNumber).toBe('string');
      expect(typeof mine!.dynamodb!.ApproximateCreationDateTime).toBe('number');
      expect(poller.stats.shards).toBeGreaterThan(0);
    } finally {
      await poller.stop();
    }
  });

  it('retries a batch whose handler failed, without skipping past it', async () => {
    const tag = uniq();
    let failuresLeft = 2;
    const delivered: string[] = [];
    const poller = await startStreamPoller({
      endpoint: inject('dynamodbEndpoint'),
      idleMs: 50,
      handler: async (e) => {
        const ids = e.Records.map((r) => r.dynamodb?.NewImage?.paymentId?.S ?? '');
        if (ids.includes(`P${tag}`) && failuresLeft-- > 0) throw new Error('transient');
        delivered.push(...ids);
      },
    });
    try {
      const u = universe({ departments: 1, feesPerDepartment: 1, months: ['2024-01'] });
      await writePaymentsTable([syntheticPayment(u, 1, prng(9), { paymentId: `P${tag}` })]);
      await poller.drained();
      expect(delivered).toContain(`P${tag}`);
      expect(poller.stats.failures).toBeGreaterThanOrEqual(2);
    } finally {
      await poller.stop();
    }
  });
});
