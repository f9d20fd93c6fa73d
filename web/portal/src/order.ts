/**
 * The payment order in progress, kept in sessionStorage (this tab only, gone when it closes): the
 * provider's page sends the payer back to /order, which reads the order with its token from here.
 */
const KEY = 'portal.order';

export interface HeldOrder {
  orderId: string;
  orderToken: string;
  noticeNos: string[];
  /** The notices as looked up (number and check code), to look them up again after a failure. */
  notices?: { noticeNo: string; checkCode: string }[];
}

/** The look-up address of the held order's notices, as a printed notice's QR code would open it. */
export function lookUpAgain(o: HeldOrder | undefined): string {
  const q = new URLSearchParams();
  for (const n of o?.notices ?? []) q.append('n', n.noticeNo), q.append('c', n.checkCode);
  const query = q.toString();
  return query ? `/?${query}` : '/';
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
