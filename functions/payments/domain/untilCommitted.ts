import { DomainError } from '../../shared/domain/errors';
import { TransientConflict } from '../ports';

export const MAX_ATTEMPTS = 6;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs one read-decide-commit attempt until it commits. A TransientConflict means another
 * transaction touched the same items: back off, re-read, and let the winner's outcome decide ours.
 */
export async function untilCommitted<T>(what: string, attemptOnce: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptOnce(attempt);
    } catch (e) {
      if (!(e instanceof TransientConflict)) throw e;
      if (attempt >= MAX_ATTEMPTS)
        throw new DomainError('concurrent-update', `Too many concurrent changes to ${what}; retry`);
      await sleep(5 + Math.random() * 20 * attempt);
    }
  }
}
