import { randomUUID } from 'node:crypto';
import type { StoredDayProof } from '../../ledger';
import { fingerprintOf, idempotently, type IdempotentResult } from '../../shared/domain/idempotency';
import type { Principal } from '../../shared/domain/principal';
import type { AcceptIdempotency, Clock } from '../ports';

/**
 * Accepting a reconciliation under an Idempotency-Key: it settles money, and API.md requires a key on
 * every POST that moves money. The key is bound to the caller and the run (accept has no body, so the
 * run id stands for it): the same key on the same run replays the first answer; the same key on
 * another run is 422 `idempotency-key-reused`; a request still in flight under it is 409.
 *
 * Unlike a payment, accept's effects are idempotent by construction (every step is keyed by the day,
 * and a closed run answers with its proof), so the completion need not commit in the same transaction
 * as them: if a crash falls between the close and the completion, the claim's lease runs out and the
 * retry finds the run closed and stores the same answer.
 */
export class Acceptances {
  constructor(
    private readonly deps: {
      idempotency: AcceptIdempotency;
      clock: Clock;
      accept: (id: string, by: Principal) => Promise<{ status: 'closed'; proof: StoredDayProof }>;
    },
  ) {}

  accept(id: string, by: Principal, key: string): Promise<IdempotentResult> {
    const { idempotency, clock } = this.deps;
    return idempotently(
      idempotency,
      {
        scope: 'reconciliation-accept',
        key,
        fingerprint: fingerprintOf(by, { reconciliationId: id }),
        owner: randomUUID(),
        nowMs: clock.now().getTime(),
      },
      async (claim) => {
        const { status, proof } = await this.deps.accept(id, by);
        const response = { status: 200, body: { status, proof } };
        await idempotency.complete(claim, response, clock.now().getTime());
        return response;
      },
    );
  }
}
