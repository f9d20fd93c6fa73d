import { describe, expect, it } from 'vitest';
import { isSameDayPosting, mayCloseDay, SAME_DAY_POSTING_GRACE_MS } from '../../../functions/ledger';
import { clockAt } from '../../../functions/shared/domain/clock';

/** The rule that lets a same-day posting skip its day guard (ledger/domain/closing.ts). */
describe('closing a day', () => {
  it('a day closes only once it ended more than the grace ago (Beijing time)', () => {
    expect(SAME_DAY_POSTING_GRACE_MS).toBe(15 * 60_000);
    // 2026-12-01 ends at 2026-12-01T16:00Z
    expect(mayCloseDay('2026-12-01', clockAt('2026-12-01T15:59:59.999Z'))).toBe(false);
    expect(mayCloseDay('2026-12-01', clockAt('2026-12-01T16:00:00.000Z'))).toBe(false);
    expect(mayCloseDay('2026-12-01', clockAt('2026-12-01T16:14:59.999Z'))).toBe(false);
    expect(mayCloseDay('2026-12-01', clockAt('2026-12-01T16:15:00.000Z'))).toBe(true);
    expect(mayCloseDay('2026-11-30', clockAt('2026-12-01T16:00:00.000Z'))).toBe(true);
    expect(mayCloseDay('2026-12-02', clockAt('2026-12-03T03:00:00.000Z'))).toBe(true);
  });

  it('only a posting into the day it is made on may skip the guard', () => {
    expect(isSameDayPosting('2026-12-01', '2026-12-01')).toBe(true);
    expect(isSameDayPosting('2026-11-30', '2026-12-01')).toBe(false);
  });
});
