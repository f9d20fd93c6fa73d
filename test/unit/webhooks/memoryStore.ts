import type { AttemptRecord, DeliveryRecord, EndpointRecord, WebhookStore } from '../../../functions/webhooks/ports';

/** The WebhookStore in memory; passes the same contract as the Webhooks table (test/contracts/webhookStore.contract.ts). */
export class MemoryWebhookStore implements WebhookStore {
  readonly endpoints = new Map<string, EndpointRecord>();
  readonly deliveries = new Map<string, DeliveryRecord>();
  private key = (e: string, d: string) => `${e}|${d}`;

  async putEndpoint(e: EndpointRecord): Promise<void> {
    if (this.endpoints.has(e.id)) throw new Error('endpoint exists');
    this.endpoints.set(e.id, structuredClone(e));
  }
  async getEndpoint(id: string) {
    const e = this.endpoints.get(id);
    return e && structuredClone(e);
  }
  async endpointsOf(departmentId: string) {
    return [...this.endpoints.values()]
      .filter((e) => e.departmentId === departmentId)
      .sort((a, b) => `${a.createdAt}#${a.id}`.localeCompare(`${b.createdAt}#${b.id}`))
      .map((e) => structuredClone(e));
  }
  async deleteEndpoint(id: string) {
    this.endpoints.delete(id);
  }
  async ensureDelivery(d: DeliveryRecord) {
    const k = this.key(d.endpointId, d.deliveryId);
    if (!this.deliveries.has(k)) this.deliveries.set(k, structuredClone(d));
    return structuredClone(this.deliveries.get(k)!);
  }
  async getDelivery(endpointId: string, deliveryId: string) {
    const d = this.deliveries.get(this.key(endpointId, deliveryId));
    return d && structuredClone(d);
  }
  async deliveriesOf(endpointId: string, limit: number, after?: Record<string, unknown>) {
    const all = [...this.deliveries.values()]
      .filter((d) => d.endpointId === endpointId)
      .sort((a, b) => b.deliveryId.localeCompare(a.deliveryId))
      .filter((d) => !after || d.deliveryId < String(after.deliveryId));
    const items = all.slice(0, limit);
    return {
      items: items.map((d) => structuredClone(d)),
      next: all.length > limit ? { deliveryId: items.at(-1)!.deliveryId } : undefined,
    };
  }
  async recordAttempt(a: AttemptRecord) {
    const d = this.deliveries.get(this.key(a.endpointId, a.deliveryId));
    if (!d || d.attempts !== a.expectedAttempts || d.status !== 'pending') return false;
    d.attempts++;
    d.status = a.status;
    d.lastAttemptAt = a.at;
    if (a.statusCode !== undefined) {
      d.lastStatusCode = a.statusCode;
      delete d.lastError;
    } else {
      d.lastError = a.error;
      delete d.lastStatusCode;
    }
    if (a.nextAttemptAt) d.nextAttemptAt = a.nextAttemptAt;
    else delete d.nextAttemptAt;
    return true;
  }
  async restart(endpointId: string, deliveryId: string, at: string) {
    const d = this.deliveries.get(this.key(endpointId, deliveryId));
    if (!d) return undefined;
    if (d.status !== 'pending') {
      d.status = 'pending';
      d.scheduleStart = d.attempts;
    }
    d.nextAttemptAt = at;
    return structuredClone(d);
  }
}
