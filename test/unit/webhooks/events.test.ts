import { describe, expect, it } from 'vitest';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { eventsOf, refundByNotice } from '../../../functions/webhooks/domain/events';
import { factsOfRecords } from '../../../functions/webhooks/adapters/streamRecords';
import {
  ATTEMPTS_PER_SCHEDULE,
  nextAttemptAt,
  SCHEDULE_SPAN_SECONDS,
} from '../../../functions/webhooks/domain/schedule';

const payment = {
  pk: 'PAY#P1',
  sk: 'PAY',
  recordType: 'payment',
  paymentId: 'P1',
  noticeNos: ['N1', 'N2', 'N3'],
  channel: 'cash',
  amount: 6000,
  bankRef: null,
  windowId: 'W01',
  paidAt: '2026-03-31T02:00:00.000Z',
  businessDate: '2026-03-31',
  receiptNo: 'R1',
  lines: [
    {
      noticeNo: 'N1',
      departmentId: 'D01',
      feeCode: 'F1',
      feeVersion: 1,
      quantity: 1,
      amount: 1000,
      noticeIssuedAt: 'x',
    },
    {
      noticeNo: 'N1',
      departmentId: 'D01',
      feeCode: 'F2',
      feeVersion: 1,
      quantity: 1,
      amount: 500,
      noticeIssuedAt: 'x',
    },
    {
      noticeNo: 'N2',
      departmentId: 'D02',
      feeCode: 'F9',
      feeVersion: 1,
      quantity: 1,
      amount: 2500,
      noticeIssuedAt: 'x',
    },
    {
      noticeNo: 'N3',
      departmentId: 'D01',
      feeCode: 'F1',
      feeVersion: 1,
      quantity: 1,
      amount: 2000,
      noticeIssuedAt: 'x',
    },
  ],
};

const record = (eventName: 'INSERT' | 'MODIFY', item: Record<string, unknown>): DynamoDBRecord => ({
  eventName,
  dynamodb: { NewImage: marshall(item, { removeUndefinedValues: true }) as never },
});

describe('events from stored records', () => {
  it('a payment of notices of two departments: one event per notice, each for its own department', async () => {
    const { facts } = await factsOfRecords([record('INSERT', payment)], async () => undefined);
    const events = facts.flatMap(eventsOf);
    expect(events.map((e) => [e.data.noticeNo, e.data.departmentId, e.data.amount])).toEqual([
      ['N1', 'D01', 1500],
      ['N2', 'D02', 2500],
      ['N3', 'D01', 2000],
    ]);
    expect(events[0]).toEqual({
      id: expect.stringMatching(/^msg_[A-Za-z0-9_-]{27}$/),
      type: 'notice.paid',
      timestamp: payment.paidAt,
      data: {
        noticeNo: 'N1',
        departmentId: 'D01',
        amount: 1500,
        paymentId: 'P1',
        receiptNo: 'R1',
        channel: 'cash',
        businessDate: '2026-03-31',
      },
    });
    // The same record again (a retried batch) is the same events, with the same ids.
    const again = (await factsOfRecords([record('INSERT', payment)], async () => undefined)).facts.flatMap(eventsOf);
    expect(again.map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(new Set(events.map((e) => e.id)).size).toBe(3);
  });

  it('ignores modified payments (a refund’s update), bank-reference items and removals; counts unreadable ones', async () => {
    const r = await factsOfRecords(
      [
        record('MODIFY', { ...payment, refundedTotal: 100 }),
        record('INSERT', { pk: 'BANKREF#card#X', sk: 'BANKREF', recordType: 'bank-ref', paymentId: 'P1' }),
        { eventName: 'REMOVE', dynamodb: {} },
        record('INSERT', { ...payment, lines: [{ noticeNo: 'N1' }] }),
      ],
      async () => undefined,
    );
    expect(r).toEqual({ facts: [], malformed: 1 });
  });

  it('a refund falls on the notices of its revenue lines, read from its payment', async () => {
    const refund = {
      pk: 'PAY#P1',
      sk: 'REFUND#F1',
      recordType: 'refund',
      refundId: 'RF1',
      paymentId: 'P1',
      channel: 'cash',
      amount: 3000,
      refundedAt: '2026-04-01T02:00:00.000Z',
      businessDate: '2026-04-01',
      receiptNo: 'R2',
      lines: [
        { departmentId: 'D02', feeCode: 'F9', amount: 2500 },
        { departmentId: 'D01', feeCode: 'F2', amount: 500 },
      ],
    };
    const reads: string[] = [];
    const { facts } = await factsOfRecords([record('INSERT', refund)], async (id) => {
      reads.push(id);
      return payment;
    });
    expect(reads).toEqual(['P1']);
    const events = facts.flatMap(eventsOf);
    expect(events.map((e) => [e.type, e.data.noticeNo, e.data.departmentId, e.data.amount, e.data.receiptNo])).toEqual([
      ['notice.refunded', 'N2', 'D02', 2500, 'R2'],
      ['notice.refunded', 'N1', 'D01', 500, 'R2'],
    ]);
  });

  it('spreads a revenue line over the notices that share it, in line order, each up to what it was paid', () => {
    const lines = payment.lines.map(({ noticeNo, departmentId, feeCode, amount }) => ({
      noticeNo,
      departmentId,
      feeCode,
      amount,
    }));
    expect(refundByNotice(lines, [{ departmentId: 'D01', feeCode: 'F1', amount: 2500 }])).toEqual([
      { noticeNo: 'N1', departmentId: 'D01', amount: 1000 },
      { noticeNo: 'N3', departmentId: 'D01', amount: 1500 },
    ]);
  });

  it('a cancellation from the outbox: the notice’s total, nothing else', async () => {
    const { facts } = await factsOfRecords(
      [
        record('INSERT', {
          pk: 'WHEVT#cancelled#N9',
          sk: 'WHEVT',
          recordType: 'notice-cancelled',
          noticeNo: 'N9',
          departmentId: 'D03',
          amount: 700,
          cancelledAt: '2026-03-31T03:00:00.000Z',
          expiresAt: 1,
        }),
        // Deliveries and endpoints travel on the same stream and are not events.
        record('INSERT', { pk: 'WHEP#we_x', sk: 'DLV#x', recordType: 'delivery' }),
      ],
      async () => undefined,
    );
    expect(facts.flatMap(eventsOf)).toEqual([
      {
        id: expect.stringMatching(/^msg_/),
        type: 'notice.cancelled',
        timestamp: '2026-03-31T03:00:00.000Z',
        data: { noticeNo: 'N9', departmentId: 'D03', amount: 700 },
      },
    ]);
  });
});

describe('retry schedule', () => {
  it('retries for more than a day, eight attempts, then stops', () => {
    expect(SCHEDULE_SPAN_SECONDS).toBeGreaterThanOrEqual(24 * 3600);
    expect(ATTEMPTS_PER_SCHEDULE).toBe(8);
    const at = new Date('2026-03-31T00:00:00.000Z');
    let total = 0;
    for (let n = 1; n < ATTEMPTS_PER_SCHEDULE; n++) {
      const next = nextAttemptAt(n, at, 1, () => 0.5)!;
      total += next.getTime() - at.getTime();
    }
    expect(total / 1000).toBe(SCHEDULE_SPAN_SECONDS);
    expect(nextAttemptAt(ATTEMPTS_PER_SCHEDULE, at, 1)).toBeUndefined();
  });

  it('jitters by at most 10 % and scales for tests', () => {
    const at = new Date(0);
    expect(nextAttemptAt(2, at, 1, () => 0)!.getTime()).toBe(270_000);
    expect(nextAttemptAt(2, at, 1, () => 1)!.getTime()).toBe(330_000);
    expect(nextAttemptAt(2, at, 0.001, () => 0.5)!.getTime()).toBe(300);
  });
});
