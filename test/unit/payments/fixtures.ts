import { clockAt } from '../../../functions/shared/domain/clock';
import { Notices } from '../../../functions/notices/domain/notices';
import { Payments } from '../../../functions/payments/domain/payments';
import type { Principal } from '../../../functions/shared/domain/principal';
import type { FeeItem } from '../../../schemas/catalog';
import { MemoryWorld, testSigner } from './memoryWorld';

export const clerk: Principal = { role: 'clerk', sub: 'clerk:W01', window: 'W01' };
export const finance: Principal = { role: 'finance', sub: 'finance' };
export const anonymous: Principal = { role: 'anonymous', sub: 'anonymous' };
export const department = (dept: string): Principal => ({ role: 'department', sub: `department:${dept}`, dept });

const item = (code: string, departmentId: string, pricing: FeeItem['pricing']): FeeItem => ({
  code,
  departmentId,
  name: `fee ${code}`,
  category: 'administrative-fee',
  legalBasis: 'x',
  approvedBy: 'y',
  pricing,
  effectiveFrom: '2026-01-01',
  version: 1,
  publishedAt: '2026-01-01T00:00:00.000Z',
});

/** A small catalog: D01 owns A (fixed 1000) and B (per-unit 333); D02 owns C (fixed 2500). */
export const CATALOG: FeeItem[] = [
  item('A-FIXED', 'D01', { kind: 'fixed', amount: 1000 }),
  item('B-UNIT', 'D01', { kind: 'per-unit', unitAmount: 333, unit: '件' }),
  item('C-FIXED', 'D02', { kind: 'fixed', amount: 2500 }),
];

/** A clock the test moves. */
export function testClock(iso = '2026-03-02T02:00:00.000Z') {
  let t = Date.parse(iso);
  const clock = clockAt(() => new Date(t));
  return Object.assign(clock, {
    advance: (ms: number) => void (t += ms),
    set: (s: string) => void (t = Date.parse(s)),
  });
}

export async function world(clockIso?: string) {
  const store = new MemoryWorld();
  const clock = testClock(clockIso);
  const lookups: string[] = [];
  const notices = new Notices(
    store,
    async (code) => CATALOG.filter((v) => v.code === code),
    async (c) => void lookups.push(c),
    clock,
  );
  const signer = await testSigner();
  const payments = new Payments(store, store, signer, async (scope, c) => void lookups.push(`${scope}:${c}`), clock);
  return { store, clock, notices, payments, signer, lookups };
}
