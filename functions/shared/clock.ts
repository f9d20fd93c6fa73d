/**
 * The one clock. Locally `CLOCK` (an ISO timestamp) sets where time starts; it then runs at normal
 * speed, so demos and tests can play past days on the same data. The deployed stack never sets it.
 */
let anchor: { clock: string; offsetMs: number } | undefined;

export function now(): Date {
  const clock = process.env.CLOCK;
  if (!clock) return new Date();
  if (anchor?.clock !== clock) {
    const start = Date.parse(clock);
    if (Number.isNaN(start)) throw new Error(`CLOCK is not an ISO timestamp: ${clock}`);
    anchor = { clock, offsetMs: start - Date.now() };
  }
  return new Date(Date.now() + anchor.offsetMs);
}

export const businessTimeZone = (): string => process.env.BUSINESS_TZ ?? 'Asia/Shanghai';

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

/** The business date (YYYY-MM-DD) of an instant in the centre's time zone. */
export function businessDateOf(instant: Date, timeZone = businessTimeZone()): string {
  let f = dateFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormatters.set(timeZone, f);
  }
  return f.format(instant);
}

export const today = (): string => businessDateOf(now());
