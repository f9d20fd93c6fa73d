import { describe, expect, it } from 'vitest';
import { businessDateOf } from '../../../functions/shared/domain/clock';

describe('businessDateOf', () => {
  it('gives each instant its date in the zone, across midnight and between zones asked in turn', () => {
    const at = (iso: string) => new Date(iso);
    // Beijing midnight is 16:00Z; the same minute asked twice, and the minutes either side of it
    expect(businessDateOf(at('2026-12-01T15:59:59.999Z'), 'Asia/Shanghai')).toBe('2026-12-01');
    expect(businessDateOf(at('2026-12-01T15:59:00.000Z'), 'Asia/Shanghai')).toBe('2026-12-01');
    expect(businessDateOf(at('2026-12-01T16:00:00.000Z'), 'Asia/Shanghai')).toBe('2026-12-02');
    expect(businessDateOf(at('2026-12-01T16:00:59.999Z'), 'UTC')).toBe('2026-12-01');
    expect(businessDateOf(at('2026-12-01T16:00:30.000Z'), 'Asia/Shanghai')).toBe('2026-12-02');
    expect(businessDateOf(at('2026-12-01T23:59:59.999Z'), 'UTC')).toBe('2026-12-01');
    expect(businessDateOf(at('2026-12-02T00:00:00.000Z'), 'UTC')).toBe('2026-12-02');
    // a zone whose offset is not whole hours
    expect(businessDateOf(at('2026-12-01T18:29:59.999Z'), 'Asia/Kolkata')).toBe('2026-12-01');
    expect(businessDateOf(at('2026-12-01T18:30:00.000Z'), 'Asia/Kolkata')).toBe('2026-12-02');
    expect(() => businessDateOf(new Date(Number.NaN), 'UTC')).toThrow();
  });
});
