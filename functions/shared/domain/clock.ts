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

/** The date (YYYY-MM-DD) of an instant in a time zone. */
export function businessDateOf(instant: Date, timeZone: string): string {
  let f = dateFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormatters.set(timeZone, f);
  }
  return f.format(instant);
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
