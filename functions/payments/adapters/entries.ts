import type { TransactItem } from '../../shared/adapters/dynamo';

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
        | 'refunded-total';
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
