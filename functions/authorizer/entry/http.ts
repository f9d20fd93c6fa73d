import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { lowerCaseHeaders } from '../../shared/adapters/http';
import { log } from '../../shared/adapters/log';
import { principalToContext, type Principal } from '../../shared/domain/principal';
import { authorize, stageWide, Unauthorized } from '../domain/authorize';
import { tokenVerifier } from '../wiring';

/**
 * API Gateway REQUEST authorizer, attached twice (docs/adr/0002): uncached on `optional` routes, so it
 * runs for every request and may admit anonymous callers; cached per Authorization header on `token`
 * routes, so its Allow covers the whole stage. API Gateway turns the thrown 'Unauthorized' into a 401.
 */
export async function authorizeEvent(
  event: Pick<APIGatewayRequestAuthorizerEvent, 'headers' | 'httpMethod' | 'resource'>,
): Promise<Principal> {
  const request = {
    authorization: lowerCaseHeaders(event.headers).authorization,
    method: event.httpMethod,
    resource: event.resource,
  };
  try {
    return await authorize(request, (token) => tokenVerifier().verify(token));
  } catch (e) {
    if (e instanceof Unauthorized) log('info', 'token rejected', { reason: e.reason });
    throw new Error('Unauthorized');
  }
}

export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  const principal = await authorizeEvent(event);
  return {
    principalId: principal.sub,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: stageWide(event.methodArn) }],
    },
    context: principalToContext(principal),
  };
};
