import { buildOpenApiDocument } from '../../../schemas/openapi';
import { httpHandler } from '../../shared/adapters/http';

let openApi: ReturnType<typeof buildOpenApiDocument> | undefined;

/** Built on first request, not at import: keeps zod's JSON Schema generation off the cold start. */
function openApiDocument(): ReturnType<typeof buildOpenApiDocument> {
  if (!openApi) openApi = buildOpenApiDocument();
  return openApi;
}

export const handler = httpHandler('platform', {
  'GET /v1/health': async () => ({ status: 200, body: { status: 'ok' } }),
  'GET /v1/openapi.json': async () => ({ status: 200, body: openApiDocument() }),
});
