import type { TransactItem } from '../../shared/adapters/dynamo';
import { DomainError } from '../../shared/domain/errors';
import { TransientConflict } from '../ports';

/** What each entry of a transaction stands for, to map a cancellation reason to a problem type. */
export type Role =
  | { kind: 'notice'; noticeNo: string; index: number }
  | {
      kind:
        | 'payment'
        | 'bank-ref'
        | 'ledger'
        | 'day-guard'
        | 'receipt'
        | 'idempotency'
        | 'idempotency-record'
        | 'refunded-total'
        | 'order';
    };

/** A transaction's entries with the role of each, in the order sent. */
export class Entries {
  readonly items: TransactItem[] = [];
  readonly roles: Role[] = [];
  add(role: Role, item: TransactItem): this {
    this.items.push(item);
    this.roles.push(role);
    return this;
  }
}

/** The problem the caller sees when an entry other than a notice's failed its condition. */
export function problemOfEntry(kind: Exclude<Role, { kind: 'notice' }>['kind'], today: string): Error {
  switch (kind) {
    case 'bank-ref':
      return new DomainError('bank-ref-duplicate', 'This bankRef was already used on this channel', [
        { path: 'bankRef', message: 'already used' },
      ]);
    case 'day-guard':
      return new DomainError('day-closed', `Business day ${today} is closed`);
    case 'idempotency':
      return new DomainError('idempotency-in-progress', 'Another request took over this Idempotency-Key; retry later');
    case 'idempotency-record':
    // A same-key request committed first (or holds a live claim): re-read, and answer what it stored.
    case 'refunded-total':
    case 'receipt':
      // Another refund committed first, or a receipt number collided: re-read and try again.
      return new TransientConflict(`${kind} changed meanwhile`);
    case 'order':
      // The order left the statuses a payment may settle (another path made it anomalous or paid).
      return new DomainError('order-not-payable', 'The payment order can no longer be paid');
    case 'payment':
    case 'ledger':
      return new DomainError('concurrent-update', 'The payment id is already taken; retry');
  }
}
