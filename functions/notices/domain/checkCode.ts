import { timingSafeEqual } from 'node:crypto';
import { DomainError } from '../../shared/domain/errors';

/**
 * A notice's check code as typed (any case) against the stored one, in constant time; no code never
 * matches. The one comparison for every context that takes a check code (look-ups, orders, receipts).
 */
export const sameCode = (given: string | undefined, stored: string): boolean => {
  if (given === undefined) return false;
  const a = Buffer.from(given.toUpperCase());
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
};

/** The notice at `index` is held by a live online payment order until `expiresAt`: 409 with the hold's end. */
export function noticePending(index: number, expiresAt: string): DomainError {
  const path = `noticeNos.${index}`;
  return new DomainError(
    'notice-payment-pending',
    `${path}: an online payment order holds the notice until ${expiresAt}`,
    [{ path, message: 'online payment pending' }],
    undefined,
    { expiresAt },
  );
}
