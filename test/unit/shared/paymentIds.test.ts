import { describe, expect, it } from 'vitest';
import { businessDateOfPaymentId, isPaymentId, paymentId } from '../../../functions/shared/domain/ids';

/** Payment ids carry their day and instant: the Payments table files and orders a day by them. */
describe('payment ids', () => {
  it('keep their documented shape and give back their business date', () => {
    const id = paymentId('2026-12-01', new Date('2026-12-01T02:00:00.000Z'));
    expect(isPaymentId(id)).toBe(true);
    expect(id).toMatch(/^P20261201[0-9A-HJKMNP-TV-Z]{16}$/);
    expect(businessDateOfPaymentId(id)).toBe('2026-12-01');
  });

  it('sort in the order the payments were made, to the millisecond, whatever the random part', () => {
    const base = Date.parse('2026-12-01T16:00:00.000Z'); // across a Beijing midnight and a UTC one
    const instants = [0, 1, 2, 31, 32, 1023, 1024, 59_999, 3_600_000, 28_800_000, 86_399_999].map((d) => base + d);
    const ids = instants.map((t) => paymentId('2026-12-02', new Date(t)));
    expect([...ids].sort()).toEqual(ids);
    for (let i = 0; i < 200; i++) {
      const a = paymentId('2026-12-02', new Date(base + i));
      const b = paymentId('2026-12-02', new Date(base + i + 1));
      expect(a < b).toBe(true);
    }
  });
});
