import { CHANNELS } from '../../../schemas/records';
import { DomainError } from '../../shared/domain/errors';
import type { Principal } from '../../shared/domain/principal';
import type { StoredPayment } from '../ports';
import { byPosition, paymentView } from './views';

/** The day's payments, from the day index (the same reader finance reconciles with). */
export interface WindowDayReader {
  paymentsOfDay(businessDate: string): AsyncIterable<StoredPayment>;
}

/**
 * A window's business day: counts and totals by channel and the payments themselves. The cash total
 * is what the window deposits with the bank (the figure reconciliation matches the statement's cash
 * line against). A clerk sees only the window in the token; finance sees any.
 */
export async function windowDay(reader: WindowDayReader, caller: Principal, windowId: string, businessDate: string) {
  if (caller.role === 'clerk' && caller.window !== windowId)
    throw new DomainError('forbidden', 'A clerk sees the day of the window in the token only');
  const payments: StoredPayment[] = [];
  for await (const p of reader.paymentsOfDay(businessDate)) if (p.windowId === windowId) payments.push(p);
  payments.sort(byPosition);
  const byChannel = CHANNELS.map((channel) => {
    const of = payments.filter((p) => p.channel === channel);
    return { channel, count: of.length, amount: of.reduce((sum, p) => sum + p.amount, 0) };
  }).filter((c) => c.count > 0 || c.channel !== 'online');
  return { windowId, businessDate, byChannel, payments: payments.map(paymentView) };
}
