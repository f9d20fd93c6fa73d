import { buildOpenApiDocument } from '../../schemas/openapi';
import { httpHandler } from '../shared/adapters/http';

let openApi: ReturnType<typeof buildOpenApiDocument> | undefined;

export const handler = httpHandler('platform', {
  'GET /v1/health': async () => ({ status: 200, body: { status: 'ok' } }),
  // Built on first request, not at import: keeps zod's JSON Schema generation off the cold start.
  'GET /v1/openapi.json': async () => ({ status: 200, body: (openApi ??= buildOpenApiDocument()) }),
});
