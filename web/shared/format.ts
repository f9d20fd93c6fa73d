/**
 * Formatting shared by the payer portal and the staff console (web/shared/: both apps import it).
 * Money arrives as integer fen and is never turned into a float; times arrive as ISO UTC and are
 * shown in the centre's time zone (Beijing time, UTC+8, no daylight saving) whatever the device's zone.
 */

/** Integer fen → "1,234.50" (two decimals, thousands separated), computed on integers only. */
export function yuanDigits(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new TypeError(`not an amount in fen: ${fen}`);
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const whole = String(Math.trunc(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${whole}.${String(abs % 100).padStart(2, '0')}`;
}

/** Integer fen → "¥1,234.50"-style text with the unit word of the language ("1,234.50 元" in Chinese). */
export function yuan(fen: number, locale: string = 'zh-CN'): string {
  return locale.startsWith('zh') ? `${yuanDigits(fen)} 元` : `CNY ${yuanDigits(fen)}`;
}

/**
 * Integer fen → yuan as a number, for a chart's bar length only: every amount a person reads (labels,
 * tooltips, tables) is formatted from the integer fen with yuanDigits.
 */
export function yuanNumber(fen: number): number {
  return fen / 100;
}

const BEIJING_OFFSET_MS = 8 * 3600_000;

/** ISO UTC instant → "2026-12-01 09:49:13" in Beijing time (UTC+8), independent of the device's zone. */
export function beijingTime(iso: string, withSeconds = true): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const s = new Date(ms + BEIJING_OFFSET_MS).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, withSeconds ? 19 : 16)}`;
}

/** "2026-03" → "2026年3月" in Chinese; English keeps the ISO month. */
export function monthLabel(month: string, locale: string = 'zh-CN'): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m || !locale.startsWith('zh')) return month;
  return `${m[1]}年${Number(m[2])}月`;
}
