import type { Clock } from '../shared/domain/clock';

/** The events a department system may subscribe to (docs/API.md, "Webhooks for department systems"). */
export const WEBHOOK_EVENT_TYPES = ['notice.paid', 'notice.refunded', 'notice.cancelled'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What a department system receives: no personal data, only the notice's facts and money. */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  timestamp: string;
  data: {
    noticeNo: string;
    departmentId: string;
    amount: number;
    paymentId?: string;
    receiptNo?: string;
    channel?: string;
    businessDate?: string;
  };
}

export interface EndpointRecord {
  id: string;
  departmentId: string;
  url: string;
  events: WebhookEventType[];
  /** The signing secret sealed by the SecretBox (never stored or streamed in the clear). */
  sealedSecret: string;
  createdAt: string;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface DeliveryRecord {
  deliveryId: string;
  endpointId: string;
  departmentId: string;
  eventId: string;
  type: WebhookEventType;
  /** The signed body, exactly as sent on every attempt (JSON text of a WebhookEvent). */
  payload: string;
  status: DeliveryStatus;
  /** Attempts made so far, over every schedule. */
  attempts: number;
  /** `attempts` when the current retry schedule began (0, or where a manual retry restarted it). */
  scheduleStart: number;
  createdAt: string;
  lastStatusCode?: number;
  /** Why the last attempt failed when there was no HTTP status: `timeout`, `connection`, `address-not-allowed`. */
  lastError?: string;
  lastAttemptAt?: string;
  nextAttemptAt?: string;
}

/** The outcome of one attempt, recorded conditionally on `attempts` still being `expectedAttempts`. */
export interface AttemptRecord {
  endpointId: string;
  deliveryId: string;
  expectedAttempts: number;
  status: DeliveryStatus;
  at: string;
  statusCode?: number;
  error?: string;
  nextAttemptAt?: string;
}

export interface WebhookStore {
  putEndpoint(e: EndpointRecord): Promise<void>;
  getEndpoint(id: string): Promise<EndpointRecord | undefined>;
  /** A department's endpoints, oldest first (a department has a handful). */
  endpointsOf(departmentId: string): Promise<EndpointRecord[]>;
  deleteEndpoint(id: string): Promise<void>;
  /** Creates the delivery unless it exists; returns the stored one either way. */
  ensureDelivery(d: DeliveryRecord): Promise<DeliveryRecord>;
  getDelivery(endpointId: string, deliveryId: string): Promise<DeliveryRecord | undefined>;
  /** Newest first. */
  deliveriesOf(
    endpointId: string,
    limit: number,
    after?: Record<string, unknown>,
  ): Promise<{ items: DeliveryRecord[]; next?: Record<string, unknown> }>;
  /** False when another attempt (a duplicate message, a manual retry) recorded first. */
  recordAttempt(a: AttemptRecord): Promise<boolean>;
  /** Makes the delivery pending and due now; restarts the schedule unless it was pending. Undefined if missing. */
  restart(endpointId: string, deliveryId: string, at: string): Promise<DeliveryRecord | undefined>;
}

/** What travels on the queue: enough to attempt without reading the delivery first. */
export interface DeliveryMessage {
  endpointId: string;
  deliveryId: string;
  /** The delivery's `attempts` when this message was sent: a stale message loses the conditional write. */
  attempts: number;
  scheduleStart: number;
  /** Not before this instant (ISO); SQS delays at most 15 minutes, so a longer wait is re-sent. */
  notBefore: string;
  /**
   * The delivery's webhook-id and body, as stored: an attempt needs no read of the delivery (one
   * DynamoDB write per attempt). Without them the dispatcher reads the delivery.
   */
  eventId?: string;
  payload?: string;
}

export interface DeliveryQueue {
  /** Up to 10 messages, delivered after `delayMs` (SQS rounds up to whole seconds, at most 900). */
  send(messages: DeliveryMessage[], delayMs: number): Promise<void>;
}

export interface SignedRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export type SendOutcome = { statusCode: number } | { error: 'timeout' | 'connection' | 'address-not-allowed' };

/** Posts a signed body; connects only to addresses the URL policy allows (checked at connect time). */
export interface WebhookSender {
  post(request: SignedRequest): Promise<SendOutcome>;
}

/** Seals endpoint secrets at rest (AES-256-GCM with a key kept outside the table). */
export interface SecretBox {
  seal(secret: string): string;
  open(sealed: string): string;
}

/** Every address a host name resolves to (A and AAAA). */
export type Resolve = (hostname: string) => Promise<string[]>;

export type { Clock };
