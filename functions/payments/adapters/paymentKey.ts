import { paymentsTableKeys } from '../../../schemas/records';
import { businessDateOfPaymentId } from '../../shared/domain/ids';
import { shardOf } from '../../ledger/adapters';

/**
 * A payment's key in the Payments table: under its business day, the shard from the id's hash. A
 * payment id carries its day (ids.ts `paymentId`), so a read needs the id alone; a write passes the
 * record's own date, the same for every payment the domain makes.
 */
export const paymentKey = (paymentId: string, businessDate = businessDateOfPaymentId(paymentId)) =>
  paymentsTableKeys.payment(paymentId, businessDate, shardOf(paymentId));
