/**
 * The payment order in progress, kept in sessionStorage (this tab only, gone when it closes): the
 * provider's page sends the payer back to /order, which reads the order with its token from here.
 */
const KEY = 'portal.order';

export interface HeldOrder {
  orderId: string;
  orderToken: string;
  noticeNos: string[];
}

export function holdOrder(o: HeldOrder): void {
  sessionStorage.setItem(KEY, JSON.stringify(o));
}

export function heldOrder(): HeldOrder | undefined {
  try {
    const o = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    return o && typeof o.orderId === 'string' && typeof o.orderToken === 'string' ? o : undefined;
  } catch {
    return undefined;
  }
}
