import { log } from '../../shared/adapters/log';
import { auditContext } from '../wiring';

/**
 * The audit day close (ADR 0017): runs on its schedule (EventBridge rule from AUDIT_SEAL_SCHEDULE,
 * shortly after midnight in the centre's time zone) and seals every recently ended day that is not
 * sealed yet with its signed Merkle root. The proof and verify routes seal a day too, if asked first.
 */
let context: ReturnType<typeof auditContext> | undefined;

export const handler = async (): Promise<{ sealed: string[] }> => {
  context ??= auditContext();
  const sealed = await context.trail.sealEndedDays();
  log('info', 'audit days sealed', { sealed });
  return { sealed };
};
