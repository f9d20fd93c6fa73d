import type { Clock } from '../../shared/domain/clock';

/**
 * When a day can be closed, and which postings need to check that it is open (docs/adr/0014, "Third
 * round").
 *
 * A day is closed by writing its day guards; a posting that condition-checks its guard in its own
 * transaction can never land in a closed day. At 10,000 payments per second that check is 2 of a
 * payment's write units, so a posting into the business day it is made in (every counter and online
 * payment, every refund) does without it, and the rule moves to the close: a day closes only once it
 * ended more than SAME_DAY_POSTING_GRACE_MS ago. A same-day posting is sent before its day ends and
 * its transaction is over within its function's timeout (120 s at most: test/infra checks every
 * function that may post against this grace), so by the time a day may close, no posting that
 * skipped the check can still commit into it. Postings made into any other day (the settlement and
 * reconciliation adjustments, which post into the day being closed, or an online order paid after
 * midnight) keep the check.
 */
export const SAME_DAY_POSTING_GRACE_MS = 15 * 60_000;

/** Whether a posting into `businessDate`, made on business day `today`, may skip its day guard. */
export const isSameDayPosting = (businessDate: string, today: string): boolean => businessDate === today;

/** Whether `date` has ended long enough ago to be closed at `clock`'s now. */
export function mayCloseDay(date: string, clock: Clock): boolean {
  return clock.dateOf(new Date(clock.now().getTime() - SAME_DAY_POSTING_GRACE_MS)) > date;
}
