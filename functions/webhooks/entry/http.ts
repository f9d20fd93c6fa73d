import {
  DeliveriesQuery,
  RegisterWebhookEndpoint,
  WebhookDeliveryParams,
  WebhookEndpointParams,
} from '../../../schemas/webhooks';
import { EmptyBody } from '../../../schemas/common';
import { decodeCursor, encodeCursor, httpHandler, listCursors } from '../../shared/adapters/http';
import { parseWith } from '../../shared/domain/validate';
import { webhooksHttpContext } from '../wiring';

const { endpoints, cursors } = webhooksHttpContext();

export const handler = httpHandler('webhooks', {
  'POST /v1/webhook-endpoints': async (req) => ({
    status: 201,
    body: await endpoints.register(req.principal, parseWith(RegisterWebhookEndpoint, req.body)),
  }),
  'GET /v1/webhook-endpoints': async (req) => ({ status: 200, body: await endpoints.list(req.principal) }),
  'DELETE /v1/webhook-endpoints/{id}': async (req) => {
    parseWith(EmptyBody, req.body);
    await endpoints.remove(req.principal, parseWith(WebhookEndpointParams, req.params).id);
    return { status: 204 };
  },
  'GET /v1/webhook-endpoints/{id}/deliveries': async (req) => {
    const { id } = parseWith(WebhookEndpointParams, req.params);
    const q = parseWith(DeliveriesQuery, req.query);
    const c = listCursors(req, cursors);
    const page = await endpoints.deliveries(req.principal, id, {
      limit: q.limit ?? 50,
      after: decodeCursor(c.open(q.cursor)),
    });
    return { status: 200, body: { items: page.items, nextCursor: c.seal(encodeCursor(page.next)) } };
  },
  'POST /v1/webhook-endpoints/{id}/deliveries/{deliveryId}/retry': async (req) => {
    parseWith(EmptyBody, req.body);
    const { id, deliveryId } = parseWith(WebhookDeliveryParams, req.params);
    return { status: 202, body: await endpoints.retry(req.principal, id, deliveryId) };
  },
});
