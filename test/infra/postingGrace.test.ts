import { beforeAll, describe, expect, it } from 'vitest';
import { SAME_DAY_POSTING_GRACE_MS } from '../../functions/ledger';
import { FN_NAMES, synth, type Synthesized } from './template';

/**
 * A posting into the day it is made on skips its day guard, because a day closes only
 * SAME_DAY_POSTING_GRACE_MS after it ended (functions/ledger/domain/closing.ts). That holds only if
 * every function that may post into the Ledger is cut off well within the grace: the deployed
 * timeouts, read from the template, not from intentions.
 */
let t: Synthesized;
beforeAll(() => {
  t = synth();
});

describe('same-day postings and the close grace', () => {
  it('every function that may put into the Ledger times out in under a third of the grace', () => {
    const posting = FN_NAMES.filter((name) =>
      t
        .statementsOf(name)
        .some(
          (s) =>
            [s.Action].flat().includes('dynamodb:PutItem') &&
            JSON.stringify(s.Resource).includes(t.idOf(t.stack.tables.Ledger)),
        ),
    );
    expect(posting).toEqual(expect.arrayContaining(['payments', 'orders', 'orderSweep', 'finance']));
    for (const name of posting) {
      const timeout = t.props(t.stack.functions[name]).Timeout as number;
      expect(timeout * 1000, name).toBeLessThan(SAME_DAY_POSTING_GRACE_MS / 3);
    }
  });
});
