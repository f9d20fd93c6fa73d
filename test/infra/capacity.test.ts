import { beforeAll, describe, expect, it } from 'vitest';
import { NEW_TABLE_WRITE_UNITS, PAYMENT_WRITE_UNITS, PEAK_PAYMENTS_PER_SECOND } from '../../infra/capacity';
import { PAYMENT_THROTTLE } from '../../infra/stack';
import { tables, TABLE_NAMES } from '../../schemas/tables';
import { synth, type Synthesized } from './template';

/**
 * The tables a payment writes are created warm for the peak the stack admits (infra/capacity.ts):
 * without it a new on-demand table takes 4,000 WRU/s, a quarter of what Payments needs at 10,000/s.
 */
let t: Synthesized;
beforeAll(() => {
  t = synth();
});

describe('capacity: tables sized for the peak payments', () => {
  it('admits the peak it sizes the tables for (bench:capacity checks the sizing against the writes it counts)', () => {
    expect(PAYMENT_THROTTLE.rateLimit).toBe(PEAK_PAYMENTS_PER_SECOND);
  });

  it('creates each table and index a payment writes with warm writes of units × peak, the others as new', () => {
    for (const name of TABLE_NAMES) {
      const props = t.props(t.stack.tables[name]);
      const peak = PAYMENT_WRITE_UNITS[name];
      const expected = (units: number | undefined) =>
        units ? { WriteUnitsPerSecond: Math.max(NEW_TABLE_WRITE_UNITS, units * PEAK_PAYMENTS_PER_SECOND) } : undefined;
      expect(props.WarmThroughput, name).toEqual(expected(peak?.table));
      for (const index of tables[name].indexes) {
        const gsi = (props.GlobalSecondaryIndexes as { IndexName: string; WarmThroughput?: unknown }[]).find(
          (g) => g.IndexName === index.name,
        );
        expect(gsi?.WarmThroughput, `${name}.${index.name}`).toEqual(expected(peak?.indexes?.[index.name]));
      }
    }
    expect(t.props(t.stack.tables.Payments).WarmThroughput).toEqual({ WriteUnitsPerSecond: 20_000 });
    expect(t.props(t.stack.tables.Payments).GlobalSecondaryIndexes[0].WarmThroughput).toBeUndefined(); // refunds only
    expect(t.props(t.stack.tables.Idempotency).WarmThroughput).toEqual({ WriteUnitsPerSecond: 40_000 });
  });
});
