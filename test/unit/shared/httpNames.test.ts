import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { httpHandler, type HttpRequest } from '../../../functions/shared/adapters/http';

/**
 * Header, query and path parameter names come from outside. The HTTP adapter hands them to route
 * handlers in objects without a prototype, so `constructor`, `toString` or `__proto__` is a name like
 * any other: present when sent, absent (undefined) when not, never one of Object.prototype's members.
 */
describe('names from outside in the HTTP adapter', () => {
  it('gives handlers headers, query and path parameters as own keys only', async () => {
    let seen: HttpRequest | undefined;
    const handler = httpHandler('platform', {
      'GET /v1/health': async (req) => {
        seen = req;
        return { status: 200, body: {} };
      },
      'GET /v1/openapi.json': async () => ({ status: 200, body: {} }),
    });
    // What API Gateway's JSON event parses to: the names are own properties.
    const event = {
      resource: '/v1/health',
      path: '/v1/health',
      httpMethod: 'GET',
      headers: JSON.parse('{"__proto__":"a","Constructor":"b","toString":"c"}'),
      queryStringParameters: JSON.parse('{"__proto__":"1","valueOf":"2"}'),
      pathParameters: null,
      body: null,
      isBase64Encoded: false,
      requestContext: { requestId: 'r-1', authorizer: null },
    } as unknown as APIGatewayProxyEvent;
    const result = await handler(event, { awsRequestId: 'r-1' } as Context);
    expect(result.statusCode).toBe(200);
    const req = seen!;
    expect(Object.keys(req.headers).sort()).toEqual(['__proto__', 'constructor', 'tostring']);
    const proto = '__proto__';
    expect(req.headers[proto]).toBe('a');
    expect(req.headers.constructor).toBe('b');
    expect(req.headers.hasOwnProperty).toBeUndefined();
    expect(Object.keys(req.query).sort()).toEqual(['__proto__', 'valueOf']);
    expect(req.query.valueOf).toBe('2');
    expect(req.query.toString).toBeUndefined();
    expect(req.params.constructor).toBeUndefined();
  });
});
