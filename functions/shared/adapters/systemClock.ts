import { businessClock, type Clock } from '../domain/clock';

/**
 * The real clock. Locally `CLOCK` (an ISO timestamp) sets where time starts; it then runs at normal
 * speed, so demos and tests can play past days on the same data. The deployed stack never sets it.
 */
export function systemClock(opts: { startAt?: string; timeZone: string }): Clock {
  if (!opts.startAt) return businessClock(() => new Date(), opts.timeZone);
  const offsetMs = Date.parse(opts.startAt) - Date.now();
  return businessClock(() => new Date(Date.now() + offsetMs), opts.timeZone);
}
