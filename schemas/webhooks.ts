import * as z from 'zod/mini';
import { Cursor, DepartmentId, EmptyBody, Fen, Limit, listOf, Timestamp } from './common';
import { lazily, type RouteDocs } from './docs';

/** The events a department system may subscribe to (the same list as functions/webhooks/ports.ts). */
export const WEBHOOK_EVENTS = ['notice.paid', 'notice.refunded', 'notice.cancelled'] as const;

export const RegisterWebhookEndpoint = z
  .strictObject({
    url: z
      .string()
      .check(
        z.minLength(1),
        z.maxLength(2000),
        z.meta({ description: 'https, public addresses only (deployed); the local stack also takes http://127.0.0.1' }),
      ),
    events: z.array(z.enum(WEBHOOK_EVENTS)).check(z.minLength(1), z.maxLength(WEBHOOK_EVENTS.length)),
  })
  .check(z.meta({ id: 'RegisterWebhookEndpoint' }));
export type RegisterWebhookEndpoint = z.infer<typeof RegisterWebhookEndpoint>;

export const WebhookEndpointParams = z.strictObject({
  id: z.string().check(z.regex(/^we_[A-Za-z0-9_-]{16}$/, 'not a webhook endpoint id'), z.meta({ maxLength: 19 })),
});

export const WebhookDeliveryParams = z.strictObject({
  id: WebhookEndpointParams.shape.id,
  deliveryId: z.string().check(z.regex(/^dlv_\d{17}[0-9a-f]{16}$/, 'not a delivery id'), z.meta({ maxLength: 37 })),
});

export const DeliveriesQuery = z.strictObject({ limit: z.optional(Limit), cursor: z.optional(Cursor) });

export const webhooksDocs = lazily(() => {
  const EventType = z.enum(WEBHOOK_EVENTS);
  const WebhookEndpoint = z
    .object({ id: z.string(), url: z.string(), events: z.array(EventType), createdAt: Timestamp })
    .check(z.meta({ id: 'WebhookEndpoint' }));
  const CreatedWebhookEndpoint = z
    .object({
      id: z.string(),
      url: z.string(),
      events: z.array(EventType),
      createdAt: Timestamp,
      secret: z
        .string()
        .check(z.meta({ description: 'Standard Webhooks signing secret (whsec_…), shown only in this response' })),
    })
    .check(z.meta({ id: 'CreatedWebhookEndpoint' }));
  const WebhookDelivery = z
    .object({
      deliveryId: z.string(),
      eventId: z.string().check(z.meta({ description: 'The webhook-id header and the body id, on every attempt' })),
      type: EventType,
      status: z.enum(['pending', 'succeeded', 'failed']),
      attempts: z.int(),
      createdAt: Timestamp,
      lastStatusCode: z.optional(z.int()),
      lastError: z.optional(z.enum(['timeout', 'connection', 'address-not-allowed'])),
      lastAttemptAt: z.optional(Timestamp),
      nextAttemptAt: z.optional(Timestamp),
    })
    .check(z.meta({ id: 'WebhookDelivery' }));
  /** The body each delivery carries (documented; sent to the department's system, not served here). */
  const WebhookEventBody = z
    .object({
      id: z.string(),
      type: EventType,
      timestamp: Timestamp,
      data: z.object({
        noticeNo: z.string(),
        departmentId: DepartmentId,
        amount: Fen,
        paymentId: z.optional(z.string()),
        receiptNo: z.optional(z.string()),
        channel: z.optional(z.string()),
        businessDate: z.optional(z.string()),
      }),
    })
    .check(z.meta({ id: 'WebhookEvent' }));
  const routes: RouteDocs = {
    'POST /v1/webhook-endpoints': {
      summary:
        'Register an endpoint of the department’s own system for notice.paid / notice.refunded / notice.cancelled; the signing secret is shown once',
      body: RegisterWebhookEndpoint,
      response: CreatedWebhookEndpoint,
      status: 201,
      problems: ['webhook-url-not-allowed', 'webhook-endpoint-limit'],
    },
    'GET /v1/webhook-endpoints': {
      summary: 'The department’s endpoints',
      response: z.object({ items: z.array(WebhookEndpoint) }),
    },
    'DELETE /v1/webhook-endpoints/{id}': {
      summary: 'Remove an endpoint; its pending deliveries stop',
      params: WebhookEndpointParams,
      body: EmptyBody,
      status: 204,
      problems: ['not-found'],
    },
    'GET /v1/webhook-endpoints/{id}/deliveries': {
      summary: 'The endpoint’s delivery log, newest first: each event’s attempts, last status and next attempt',
      params: WebhookEndpointParams,
      query: DeliveriesQuery,
      response: listOf(WebhookDelivery),
      problems: ['not-found'],
    },
    'POST /v1/webhook-endpoints/{id}/deliveries/{deliveryId}/retry': {
      summary: 'Send a delivery again now, with the same webhook-id; a spent retry schedule starts over',
      params: WebhookDeliveryParams,
      body: EmptyBody,
      response: WebhookDelivery,
      status: 202,
      problems: ['not-found'],
    },
  };
  return { schemas: { WebhookEndpoint, WebhookDelivery, WebhookEventBody }, routes };
});
