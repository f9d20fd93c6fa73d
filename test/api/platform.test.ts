import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect, it } from 'vitest';
import { routes } from '../../schemas/routes';
import { api } from '../support/api';

describe('platform', () => {
  it('answers health', async () => {
    const r = await api('GET', '/v1/health');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'ok' });
  });

  it('serves an OpenAPI 3.1 document that a real validator accepts and that lists every route', async () => {
    const r = await api('GET', '/v1/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    await SwaggerParser.validate(structuredClone(r.body));
    for (const route of routes)
      expect(r.body.paths[route.path]?.[route.method.toLowerCase()], `${route.method} ${route.path}`).toBeDefined();
  });
});
