import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { routes, type Route } from '../../infra/routes';
import { ANONYMOUS, principalToContext, verifyToken, type Principal } from '../shared/auth';
import { lowerCaseHeaders } from '../shared/http';
import { log } from '../shared/log';

/**
 * REQUEST authorizer (no cache, so it runs for every request and may admit anonymous callers on
 * `optional` routes). It establishes identity only: a missing or bad token on a `token` route, or a
 * bad token anywhere, is 401. Whether the role may call the route (403) is the function's check
 * against the same route table.
 */
export async function authorize(event: Pick<APIGatewayRequestAuthorizerEvent, 'headers' | 'httpMethod' | 'resource'>): Promise<Principal> {
  const header = lowerCaseHeaders(event.headers).authorization;
  const route = (routes as readonly Route[]).find((r) => r.method === event.httpMethod && r.path === event.resource);
  if (!header) {
    if (route?.access.kind === 'optional') return ANONYMOUS;
    throw new Error('Unauthorized');
  }
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) throw new Error('Unauthorized');
  try {
    return await verifyToken(m[1]!);
  } catch (e) {
    log('info', 'token rejected', { reason: e instanceof Error ? e.name : 'unknown' });
    throw new Error('Unauthorized');
  }
}

export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  const principal = await authorize(event);
  return {
    principalId: principal.sub,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }] },
    context: principalToContext(principal),
  };
};
