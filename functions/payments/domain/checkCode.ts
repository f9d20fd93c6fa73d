import { timingSafeEqual } from 'node:crypto';

/** Compares a check code as typed (any case) with the stored one in constant time; no code never matches. */
export const sameCode = (given: string | undefined, stored: string): boolean => {
  if (given === undefined) return false;
  const a = Buffer.from(given.toUpperCase());
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
};
