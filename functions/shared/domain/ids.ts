import { randomBytes, randomInt } from 'node:crypto';

/**
 * Identifiers and check characters (see docs/adr/0003-numbering-and-hot-keys.md).
 *
 * Numbers are generated without any counter: a business-date prefix (so humans and support staff can
 * see when a number was issued, and so numbers sort by day) followed by a random part from the CSPRNG
 * and a check digit. Each number lands on a key of its own; a collision (about 1 in 10^11 per pair on
 * the same day) is caught by the conditional put that stores the item, and the caller draws again.
 */

/** GB 11643-1999 weights for the 17 body digits of a resident ID number (ISO 7064 MOD 11-2). */
const GB11643_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const GB11643_CHECK = '10X98765432';

/** The check character of a resident ID number's first 17 digits. */
export function residentIdCheckChar(body17: string): string {
  if (!/^\d{17}$/.test(body17)) throw new Error('a resident ID body is 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body17[i]) * GB11643_WEIGHTS[i]!;
  return GB11643_CHECK[sum % 11]!;
}

/** 18 characters: 17 digits and a GB 11643 check character (digit or X; a lower-case x is accepted). */
export function isValidResidentId(id: string): boolean {
  if (!/^\d{17}[\dXx]$/.test(id)) return false;
  return residentIdCheckChar(id.slice(0, 17)) === id[17]!.toUpperCase();
}

/** Luhn (mod 10) check digit: catches every single-digit error and most adjacent transpositions. */
export function luhnCheckDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

export function hasValidLuhn(number: string): boolean {
  return /^\d{2,}$/.test(number) && luhnCheckDigit(number.slice(0, -1)) === number.at(-1);
}

function randomDigits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(randomInt(10));
  return s;
}

const compactDate = (businessDate: string) => businessDate.replaceAll('-', '');

/**
 * A 20-digit document number: YYYYMMDD (business date) + 11 random digits + Luhn check digit.
 * Used for notice numbers (缴款码) and receipt numbers; a typo is rejected without a database read.
 */
export function documentNumber(businessDate: string): string {
  const body = compactDate(businessDate) + randomDigits(11);
  return body + luhnCheckDigit(body);
}

export const DOCUMENT_NUMBER = /^\d{20}$/;
export const isDocumentNumber = (s: string): boolean => DOCUMENT_NUMBER.test(s) && hasValidLuhn(s);

/** Crockford base32 without I, L, O, U: easy to read aloud and type from paper. */
const CHECK_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A random check code (校验码 / 随机码): 8 characters, 40 bits from the CSPRNG, unrelated to the
 * number it protects, so knowing a number never lets anyone derive its code.
 */
export function checkCode(length = 8): string {
  const bytes = randomBytes(length);
  let s = '';
  for (const b of bytes) s += CHECK_CODE_ALPHABET[b & 31];
  return s;
}

/** `n` in the check-code alphabet, `width` characters: ascending in the alphabet's (ASCII) order. */
function base32(n: number, width: number): string {
  let s = '';
  for (let i = 0; i < width; i++, n = Math.floor(n / 32)) s = CHECK_CODE_ALPHABET[n % 32] + s;
  return s;
}

/**
 * A payment id: `P`, the business date, the payment's instant (epoch milliseconds, 9 base32
 * characters) and 7 random base32 characters (35 bits). The Payments table files a payment under its
 * day and sorts it by its id (ADR 0014, third round), so ids of a day sort as their payments were
 * made. Before issue 10's third round the 16 characters were all random; the shape is the same.
 */
export function paymentId(businessDate: string, at: Date): string {
  return `P${compactDate(businessDate)}${base32(at.getTime(), 9)}${checkCode(7)}`;
}

/** The business date a payment id carries (`YYYY-MM-DD`), for the key its payment is filed under. */
export const businessDateOfPaymentId = (id: string): string => `${id.slice(1, 5)}-${id.slice(5, 7)}-${id.slice(7, 9)}`;

export const PAYMENT_ID = /^P\d{8}[0-9A-Z]{16}$/;
/** Shape check before any key is built from a path parameter (an absurd one is simply not found). */
export const isPaymentId = (s: string): boolean => PAYMENT_ID.test(s);

/** Refund ids: `R`, the business date and 16 random base32 characters (80 bits). */
export function refundId(businessDate: string): string {
  return `R${compactDate(businessDate)}${checkCode(16)}`;
}
