import * as z from 'zod/mini';
import { lazily, type RouteDocs } from './docs';

/** The platform routes: the health check and this document. Built on first use, like every context's docs. */
export const platformDocs = lazily(() => {
  const routes: RouteDocs = {
    'GET /v1/health': { summary: 'Liveness', response: z.object({ status: z.literal('ok') }) },
    'GET /v1/openapi.json': {
      summary: 'This OpenAPI 3.1 document',
      response: z.record(z.string(), z.unknown()).check(z.meta({ description: 'An OpenAPI 3.1 document' })),
    },
  };
  return { routes };
});
