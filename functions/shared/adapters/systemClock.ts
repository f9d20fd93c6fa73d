import { businessClock, type Clock } from '../domain/clock';

/**
 * The real clock. Locally `CLOCK` (an ISO timestamp) sets where time starts; it then runs at normal
 * speed, so demos and tests can play past days on the same data. The deployed stack never sets it.
 */
export function systemClock(opts: { startAt?: string; timeZone: string }): Clock {
  const offsetMs = opts.startAt ? Date.parse(opts.startAt) - Date.now() : 0;
  const clock = businessClock(() => new Date(Date.now() + offsetMs), opts.timeZone);
  let zoneChecked = false;
  const dateOf = (instant: Date): string => {
    if (!zoneChecked) {
      try {
        new Intl.DateTimeFormat('en-CA', { timeZone: opts.timeZone });
      } catch {
        throw new Error(`Bad configuration: BUSINESS_TZ: ${opts.timeZone} is not a time zone this runtime knows`);
      }
      zoneChecked = true;
    }
    return clock.dateOf(instant);
  };
  return { now: clock.now, dateOf, today: () => dateOf(clock.now()) };
}
