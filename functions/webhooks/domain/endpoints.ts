import { randomBytes } from 'node:crypto';
import { DomainError } from '../../shared/domain/errors';
import type { Principal } from '../../shared/domain/principal';
import type {
  Clock,
  DeliveryQueue,
  DeliveryRecord,
  EndpointRecord,
  SecretBox,
  WebhookEventType,
  WebhookStore,
} from '../ports';
import { messageOf } from './fanout';

/**
 * A department's webhook endpoints (开票单位业务系统接口). Invariants:
 * - a department sees and changes only its own endpoints and their deliveries (another's is 404,
 *   as if it did not exist: endpoint ids are not for guessing);
 * - an endpoint's URL passes the URL rules when registered (https, public addresses only) and its
 *   addresses are checked again at every connection (DNS may change);
 * - the signing secret is shown once, at registration, and stored only sealed.
 */

/** Checks a URL's host against the address rules; the reason when it may not be used. */
export type HostCheck = (hostname: string) => Promise<{ ok: true } | { ok: false; reason: string }>;

export interface UrlRules {
  /** The local stack only (WEBHOOK_ALLOW_LOCAL_HTTP): `http://127.0.0.1` receivers. */
  allowLocalHttp: boolean;
  checkHost: HostCheck;
}

const urlNotAllowed = (message: string) =>
  new DomainError('webhook-url-not-allowed', `url: ${message}`, [{ path: 'url', message }]);

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

/** The URL rules of docs/API.md; throws 422 `webhook-url-not-allowed` naming `url`, never echoing it. */
export async function checkEndpointUrl(raw: string, rules: UrlRules): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw urlNotAllowed('not an absolute URL');
  }
  const localHttp = rules.allowLocalHttp && url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !localHttp) throw urlNotAllowed('must use https');
  if (url.username || url.password) throw urlNotAllowed('must not carry credentials');
  if (url.hash) throw urlNotAllowed('must not have a fragment');
  const verdict = await rules.checkHost(url.hostname);
  if (!verdict.ok)
    throw urlNotAllowed(
      verdict.reason === 'unresolvable'
        ? 'the host name does not resolve'
        : 'must resolve to public addresses only (no private, loopback, link-local or metadata address)',
    );
  return url;
}

export interface EndpointView {
  id: string;
  url: string;
  events: WebhookEventType[];
  createdAt: string;
}

export interface DeliveryView {
  deliveryId: string;
  eventId: string;
  type: WebhookEventType;
  status: DeliveryRecord['status'];
  attempts: number;
  createdAt: string;
  lastStatusCode?: number;
  lastError?: string;
  lastAttemptAt?: string;
  nextAttemptAt?: string;
}

const endpointView = (e: EndpointRecord): EndpointView => ({
  id: e.id,
  url: e.url,
  events: e.events,
  createdAt: e.createdAt,
});

export const deliveryView = (d: DeliveryRecord): DeliveryView => ({
  deliveryId: d.deliveryId,
  eventId: d.eventId,
  type: d.type,
  status: d.status,
  attempts: d.attempts,
  createdAt: d.createdAt,
  ...(d.lastStatusCode !== undefined ? { lastStatusCode: d.lastStatusCode } : {}),
  ...(d.lastError ? { lastError: d.lastError } : {}),
  ...(d.lastAttemptAt ? { lastAttemptAt: d.lastAttemptAt } : {}),
  ...(d.status === 'pending' && d.nextAttemptAt ? { nextAttemptAt: d.nextAttemptAt } : {}),
});

const notFound = () => new DomainError('not-found', 'No webhook endpoint with this id');

/** Standard Webhooks secrets: `whsec_` and 24 random bytes in base64. */
export const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;
export const newEndpointId = () => `we_${randomBytes(12).toString('base64url')}`;
export const isEndpointId = (id: string) => /^we_[A-Za-z0-9_-]{16}$/.test(id);
export const isDeliveryId = (id: string) => /^dlv_\d{17}[0-9a-f]{16}$/.test(id);

/** The most endpoints one department may register (each event is one delivery per endpoint). */
export const MAX_ENDPOINTS_PER_DEPARTMENT = 10;

export class WebhookEndpoints {
  constructor(
    private readonly store: WebhookStore,
    private readonly secrets: SecretBox,
    private readonly queue: DeliveryQueue,
    private readonly urlRules: () => UrlRules,
    private readonly clock: Clock,
  ) {}

  private departmentOf(p: Principal): string {
    if (p.role !== 'department' || !p.dept)
      throw new DomainError('forbidden', 'Only a department has webhook endpoints');
    return p.dept;
  }

  async register(
    p: Principal,
    input: { url: string; events: WebhookEventType[] },
  ): Promise<EndpointView & { secret: string }> {
    const departmentId = this.departmentOf(p);
    const url = await checkEndpointUrl(input.url, this.urlRules());
    const existing = await this.store.endpointsOf(departmentId);
    if (existing.length >= MAX_ENDPOINTS_PER_DEPARTMENT)
      throw new DomainError(
        'webhook-endpoint-limit',
        `A department may register at most ${MAX_ENDPOINTS_PER_DEPARTMENT} endpoints`,
      );
    const secret = newSecret();
    const record: EndpointRecord = {
      id: newEndpointId(),
      departmentId,
      url: url.href,
      events: [...new Set(input.events)],
      sealedSecret: this.secrets.seal(secret),
      createdAt: this.clock.now().toISOString(),
    };
    await this.store.putEndpoint(record);
    return { ...endpointView(record), secret };
  }

  async list(p: Principal): Promise<{ items: EndpointView[] }> {
    return { items: (await this.store.endpointsOf(this.departmentOf(p))).map(endpointView) };
  }

  private async own(p: Principal, id: string): Promise<EndpointRecord> {
    const dept = this.departmentOf(p);
    const e = isEndpointId(id) ? await this.store.getEndpoint(id) : undefined;
    if (!e || e.departmentId !== dept) throw notFound();
    return e;
  }

  async remove(p: Principal, id: string): Promise<void> {
    await this.store.deleteEndpoint((await this.own(p, id)).id);
  }

  async deliveries(
    p: Principal,
    id: string,
    page: { limit: number; after?: Record<string, unknown> },
  ): Promise<{ items: DeliveryView[]; next?: Record<string, unknown> }> {
    const e = await this.own(p, id);
    const r = await this.store.deliveriesOf(e.id, page.limit, page.after);
    return { items: r.items.map(deliveryView), next: r.next };
  }

  /** Sends the delivery again now (same `webhook-id`); a spent schedule starts over. */
  async retry(p: Principal, id: string, deliveryId: string): Promise<DeliveryView> {
    const e = await this.own(p, id);
    const at = this.clock.now().toISOString();
    const d = isDeliveryId(deliveryId) ? await this.store.restart(e.id, deliveryId, at) : undefined;
    if (!d) throw new DomainError('not-found', 'No delivery with this id at this endpoint');
    await this.queue.send([messageOf(d, at)], 0);
    return deliveryView(d);
  }
}
