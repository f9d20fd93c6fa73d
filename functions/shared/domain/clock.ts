/**
 * The clock port: every domain reads the time through one of these, handed to it by its wiring, so
 * a unit test fixes time with `clockAt` and the local stack can start the clock on a past day.
 */
export interface Clock {
  now(): Date;
  /** The business date (YYYY-MM-DD) of an instant, in the centre's time zone. */
  dateOf(instant: Date): string;
  /** The business date now. */
  today(): string;
}

const dateFormatters = new Map<string, Intl.DateTimeFormat>();
/**
 * The last minute each zone's date was asked for, and that date. Every request asks several times
 * (its audit event, the payment, the posting) and Intl formatting is the slow part; a zone's offset
 * only ever changes on a minute boundary, so one minute has one date.
 */
const lastMinute = new Map<string, { minute: number; date: string }>();

/** The date (YYYY-MM-DD) of an instant in a time zone. */
export function businessDateOf(instant: Date, timeZone: string): string {
  const minute = Math.floor(instant.getTime() / 60_000);
  const last = lastMinute.get(timeZone);
  if (last?.minute === minute) return last.date;
  let f = dateFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormatters.set(timeZone, f);
  }
  const date = f.format(instant);
  lastMinute.set(timeZone, { minute, date });
  return date;
}

/** A clock reading time from `now`, with business dates in `timeZone`. */
export function businessClock(now: () => Date, timeZone: string): Clock {
  return {
    now,
    dateOf: (instant) => businessDateOf(instant, timeZone),
    today: () => businessDateOf(now(), timeZone),
  };
}

const BEIJING = 'Asia/Shanghai';

/** A clock for tests: `at` (a Date, an ISO string, or a function for a moving clock), in Beijing time. */
export function clockAt(at: Date | string | (() => Date), timeZone = BEIJING): Clock {
  const now = typeof at === 'function' ? at : () => new Date(at);
  return businessClock(now, timeZone);
}
