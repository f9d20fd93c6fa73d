import type { Payer } from '../../../schemas/notices';

/**
 * How payer identity is shown outside the issuing department, the window clerk and finance
 * (payer view, receipts). Counts code points, so 张三丰 → 张** and John → J***.
 */
export function maskName(name: string): string {
  const chars = Array.from(name.trim());
  if (chars.length <= 1) return '*';
  return chars[0] + '*'.repeat(chars.length - 1);
}

/** 110101199001011234 → 1101**********1234; short numbers keep only their last two characters. */
export function maskIdNumber(id: string): string {
  const chars = Array.from(id);
  if (chars.length <= 8) return '*'.repeat(Math.max(0, chars.length - 2)) + chars.slice(-2).join('');
  return chars.slice(0, 4).join('') + '*'.repeat(chars.length - 8) + chars.slice(-4).join('');
}

/** 13812345678 → 138****5678. */
export function maskPhone(phone: string): string {
  const chars = Array.from(phone);
  if (chars.length <= 7) return '*'.repeat(Math.max(0, chars.length - 2)) + chars.slice(-2).join('');
  return chars.slice(0, 3).join('') + '*'.repeat(chars.length - 7) + chars.slice(-4).join('');
}

export function maskPayer(p: Payer): Payer {
  return {
    name: maskName(p.name),
    idType: p.idType,
    idNumber: maskIdNumber(p.idNumber),
    ...(p.phone ? { phone: maskPhone(p.phone) } : {}),
  };
}
