/**
 * The retry schedule (docs/adr/0016): the delays after each failed attempt, in seconds. The first
 * attempt is immediate; eight attempts span 27 h 35 min, so an endpoint that is down for a whole
 * day still gets the event (the Standard Webhooks reference schedule). `scale` shrinks every delay
 * for tests and benchmarks (WEBHOOK_RETRY_SCALE); deployed it is 1.
 */
export const RETRY_DELAYS_SECONDS = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600] as const;

/** Attempts one schedule makes: the immediate one and one after each delay. */
export const ATTEMPTS_PER_SCHEDULE = RETRY_DELAYS_SECONDS.length + 1;

/** The time from the first attempt to the last one. */
export const SCHEDULE_SPAN_SECONDS = RETRY_DELAYS_SECONDS.reduce((a, b) => a + b, 0);

/**
 * When to try again after the `n`-th failed attempt of a schedule (1-based), or undefined when the
 * schedule is spent. ±10 % jitter, so endpoints that failed together do not all retry together.
 */
export function nextAttemptAt(
  failedAttempt: number,
  at: Date,
  scale: number,
  random: () => number = Math.random,
): Date | undefined {
  const base = RETRY_DELAYS_SECONDS[failedAttempt - 1];
  if (base === undefined) return undefined;
  const jitter = 0.9 + 0.2 * random();
  return new Date(at.getTime() + Math.round(base * 1000 * scale * jitter));
}
