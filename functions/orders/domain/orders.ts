import { DomainError } from '../../shared/domain/errors';
import { fingerprintOf, idempotently } from '../../shared/domain/idempotency';
import type { Principal } from '../../shared/domain/principal';
import type {
  Clock,
  OnlinePayments,
  OrderIdempotency,
  OrderLimiter,
  OrderRecord,
  OrderSettings,
  OrderStore,
  PaymentProvider,
  ProviderTrade,
} from '../ports';
import {
  ANOMALIES,
  holdsToken,
  isOrderId,
  newOrderId,
  newOrderToken,
  orderableNotices,
  orderView,
  PAYABLE_FROM,
  tokenHashOf,
} from './rules';

/**
 * Payment orders (网上缴费): money paid online is real only when the provider says so.
 * Invariants:
 * - a notice has at most one live order: the order and its holds on the notices are one write, each
 *   hold conditional on the notice being issued and unheld; a counter payment fails on a held notice;
 * - a provider-confirmed success makes exactly one payment: every path (notification, query on read,
 *   sweep, close that finds the trade paid) goes through `confirmed`, which calls the payments use
 *   case with the order id as idempotency key; a success that cannot become a payment (mismatch,
 *   notices paid meanwhile) makes the order `anomalous`, never a second payment;
 * - an expired order's notices are released only after the provider closed its trade.
 */
export class PaymentOrders {
  constructor(
    private readonly store: OrderStore,
    private readonly provider: PaymentProvider,
    private readonly payments: OnlinePayments,
    private readonly limiter: OrderLimiter,
    private readonly clock: Clock,
    private readonly settings: OrderSettings,
    private readonly idempotency: OrderIdempotency,
  ) {}

  async create(input: { noticeNos: string[]; checkCodes: Record<string, string>; returnUrl?: string }, client: string) {
    await this.limiter(client);
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = this.clock.now();
      const today = this.clock.dateOf(now);
      const found = await this.store.getNotices(input.noticeNos);
      const notices = orderableNotices(input.noticeNos, input.checkCodes, found, today);
      const token = newOrderToken();
      const order: OrderRecord = {
        orderId: newOrderId(today),
        tokenHash: tokenHashOf(token),
        status: 'created',
        noticeNos: input.noticeNos,
        amount: notices.reduce((s, n) => s + n.total, 0),
        provider: this.provider.name,
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + this.settings.ttlSeconds * 1000).toISOString(),
        ...(input.returnUrl ? { returnUrl: input.returnUrl } : {}),
        updatedAt: now.toISOString(),
      };
      // The page's address first: a provider that cannot make one leaves nothing written and no hold.
      const redirectUrl = this.provider.payUrl({ ...order, subject: `缴款通知书 ${input.noticeNos.length} 张` });
      // A notice that changed between the read and the write is read again, which names its problem.
      if (!(await this.store.createWithHolds(order, today))) continue;
      return { ...orderView(order), orderToken: token, providerOrderId: order.orderId, redirectUrl };
    }
    throw new DomainError('concurrent-update', 'The notices changed while the order was made; retry');
  }

  /** The order for its holder (token), a clerk or finance; a stale `created` order asks the provider first. */
  async get(principal: Principal, orderId: string, token: string | undefined) {
    let order = await this.readable(principal, orderId, token);
    const staleAt = Date.parse(order.createdAt) + this.settings.queryAfterSeconds * 1000;
    // A provider that cannot answer now leaves the order as stored; the sweep asks again.
    if (order.status === 'created' && this.clock.now().getTime() >= staleAt)
      order = await this.reconcile(order).catch(() => order);
    if (order.status !== 'succeeded' || !order.paymentId) return orderView(order);
    // The holder paid: the payment and its signed receipt, as the counter would have handed them over.
    const { receipt, ...payment } = await this.payments.getPayment(order.paymentId, order.receiptNo);
    return orderView(order, { payment, receipt });
  }

  /** The holder gives up: the provider closes the trade first; a trade paid meanwhile is recorded instead. */
  async cancel(orderId: string, token: string | undefined) {
    const order = await this.readable({ role: 'anonymous', sub: 'anonymous' }, orderId, token);
    if (order.status !== 'created') throw new DomainError('order-not-open', `The order is ${order.status}`);
    if ((await this.provider.close(orderId)) === 'paid') {
      const after = await this.reconcile(order);
      throw new DomainError('order-not-open', `The order is ${after.status}`);
    }
    if (await this.store.transition(orderId, ['created'], { status: 'cancelled', updatedAt: this.nowIso() }))
      await this.store.releaseHolds(order);
    return orderView((await this.store.get(orderId))!);
  }

  async list(q: {
    status?: string;
    from?: string;
    to?: string;
    limit?: number;
    after?: { date: string; after: string };
  }) {
    const today = this.clock.today();
    const page = await this.store.list({
      from: q.from ?? today,
      to: q.to ?? today,
      limit: q.limit ?? 50,
      after: q.after,
    });
    return {
      items: page.items.filter((o) => !q.status || o.status === q.status).map((o) => orderView(o)),
      next: page.next,
    };
  }

  /**
   * Finance gives an anomalous order's money back through the provider (money at the provider, no
   * payment): the whole captured amount, as the provider reports it. Idempotent by order: the
   * provider's refund request number is the order's own, so a retry under any key refunds nothing
   * twice; the Idempotency-Key replays the first answer. No ledger posting: the money never entered
   * the books (docs/adr/0015).
   */
  async refund(principal: Principal, orderId: string, input: { reason: string }, key: string) {
    if (principal.role !== 'finance') throw new DomainError('forbidden', 'Only finance refunds');
    const fingerprint = fingerprintOf(principal, { orderId, ...input });
    const nowMs = this.clock.now().getTime();
    return idempotently(
      this.idempotency,
      { scope: 'order-refunds', key, fingerprint, owner: orderId, nowMs },
      async (claim) => {
        const response = { status: 200, body: orderView(await this.refundAnomalous(orderId, input.reason)) };
        await this.idempotency.complete(claim, response, this.clock.now().getTime());
        return response;
      },
    );
  }

  private async refundAnomalous(orderId: string, reason: string): Promise<OrderRecord> {
    const order = isOrderId(orderId) ? await this.store.get(orderId) : undefined;
    if (!order) throw new DomainError('not-found', 'No payment order with this id');
    if (order.status === 'refunded') return order;
    if (order.status !== 'anomalous' || !order.tradeNo)
      throw new DomainError('order-not-refundable', `The order is ${order.status}`);
    // What the provider captured (an amount mismatch is why some orders are anomalous): all of it goes back.
    const trade = await this.provider.query(orderId);
    if (trade.tradeNo !== order.tradeNo || !trade.amount)
      throw new DomainError(
        'provider-unconfirmed',
        'The payment provider did not confirm the captured amount; retry later',
      );
    const refundId = `${orderId}R`;
    const done = await this.provider.refund({ bankRef: order.tradeNo, refundId, amount: trade.amount });
    const refund = { refundId, amount: trade.amount, refundedAt: done.refundedAt ?? this.nowIso() };
    const next = { status: 'refunded' as const, refund, refundReason: reason, updatedAt: this.nowIso() };
    if (await this.store.transition(orderId, ['anomalous'], next)) return { ...order, ...next };
    return (await this.store.get(orderId))!; // a concurrent refund of the order recorded it first
  }

  /** A notification the provider adapter verified: the raw body's signature is checked there, first. */
  async notified(rawBody: string): Promise<string> {
    const n = this.provider.verifyNotification(rawBody);
    if (!n) throw new DomainError('unauthorized', 'The notification is not signed by the payment provider');
    const order = isOrderId(n.orderId) ? await this.store.get(n.orderId) : undefined;
    if (!order) throw new DomainError('not-found', 'No payment order with this id');
    await this.apply(order, n);
    return this.provider.acknowledgement;
  }

  /** The scheduled sweep: every open order asks the provider (and an expired one is closed there). */
  async sweep(limit = 200): Promise<{ examined: number }> {
    const open = await this.store.openOrders(limit);
    for (const o of open) await this.reconcile(o).catch(() => undefined); // one provider hiccup does not stop the rest
    return { examined: open.length };
  }

  /** Asks the provider about an open order and applies the answer; past its end, closes it there first. */
  async reconcile(order: OrderRecord): Promise<OrderRecord> {
    const trade = await this.provider.query(order.orderId);
    if (trade.state === 'pending' || trade.state === 'unknown') {
      if (this.clock.now().getTime() < Date.parse(order.expiresAt)) return order;
      if ((await this.provider.close(order.orderId)) === 'paid')
        return this.apply(order, await this.provider.query(order.orderId));
      if (await this.store.transition(order.orderId, ['created'], { status: 'expired', updatedAt: this.nowIso() }))
        await this.store.releaseHolds(order);
      return (await this.store.get(order.orderId))!;
    }
    return this.apply(order, trade);
  }

  private async apply(order: OrderRecord, trade: ProviderTrade): Promise<OrderRecord> {
    if (trade.state === 'paid') return this.confirmed(order, trade);
    if (trade.state === 'closed' && order.status === 'created') {
      if (await this.store.transition(order.orderId, ['created'], { status: 'failed', updatedAt: this.nowIso() }))
        await this.store.releaseHolds(order);
    }
    return (await this.store.get(order.orderId))!;
  }

  /** The provider took the money: exactly one payment, or an anomaly for finance. */
  private async confirmed(order: OrderRecord, trade: ProviderTrade): Promise<OrderRecord> {
    if (!PAYABLE_FROM.includes(order.status)) return order; // already succeeded or anomalous
    const tradeNo = trade.tradeNo ?? '';
    if (trade.amount !== order.amount || !tradeNo) return this.anomalous(order, tradeNo, 'amount-mismatch');
    let payment: Awaited<ReturnType<OnlinePayments['payOnline']>>;
    try {
      payment = await this.payments.payOnline({
        orderId: order.orderId,
        noticeNos: order.noticeNos,
        amount: order.amount,
        bankRef: tradeNo,
      });
    } catch (e) {
      if (e instanceof DomainError && ANOMALIES.has(e.type)) return this.anomalous(order, tradeNo, e.type);
      throw e;
    }
    const next = {
      status: 'succeeded' as const,
      tradeNo,
      paymentId: payment.paymentId,
      receiptNo: payment.receipt.receiptNo,
      updatedAt: this.nowIso(),
    };
    // The payment's transaction moved the order (ADR 0015): the record is known without a write or a read.
    if (!payment.replayed) return { ...order, ...next };
    // A replay: the first confirmation's transaction moved it; a payment recorded before orders moved
    // inside it (an older version) may have left the order behind, which this conditional write repairs.
    if (await this.store.transition(order.orderId, PAYABLE_FROM, next)) return { ...order, ...next };
    return (await this.store.get(order.orderId))!;
  }

  private async anomalous(order: OrderRecord, tradeNo: string, anomaly: string): Promise<OrderRecord> {
    const next = { status: 'anomalous' as const, anomaly, updatedAt: this.nowIso(), ...(tradeNo ? { tradeNo } : {}) };
    if (await this.store.transition(order.orderId, PAYABLE_FROM, next)) await this.store.releaseHolds(order);
    return (await this.store.get(order.orderId))!;
  }

  private async readable(principal: Principal, orderId: string, token: string | undefined): Promise<OrderRecord> {
    const order = isOrderId(orderId) ? await this.store.get(orderId) : undefined;
    const staff = principal.role === 'clerk' || principal.role === 'finance';
    // A wrong token looks exactly like a missing order.
    if (!order || (!staff && !holdsToken(order, token)))
      throw new DomainError('not-found', 'No payment order with this id');
    return order;
  }

  private nowIso(): string {
    return this.clock.now().toISOString();
  }
}
