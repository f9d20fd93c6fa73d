import { routes, type Route } from '../../../schemas/routes';
import { ANONYMOUS, type Principal } from '../../shared/domain/principal';
import type { VerifyToken } from '../ports';

/**
 * Establishes identity only: a missing or bad token on a `token` route, or a bad token anywhere, is
 * refused (401). Whether the role may call the route (403) is the function's check against the same
 * route table. A present token on an `optional` route must be good; none there means anonymous.
 */
export class Unauthorized extends Error {
  constructor(readonly reason: string) {
    super('Unauthorized');
    this.name = 'Unauthorized';
  }
}

export async function authorize(
  request: { authorization: string | undefined; method: string; resource: string },
  verify: VerifyToken,
): Promise<Principal> {
  const route = (routes as readonly Route[]).find((r) => r.method === request.method && r.path === request.resource);
  if (!request.authorization) {
    if (route?.access.kind === 'optional') return ANONYMOUS;
    throw new Unauthorized('no token');
  }
  const m = /^Bearer\s+(\S+)$/i.exec(request.authorization);
  if (!m) throw new Unauthorized('not a bearer token');
  try {
    return await verify(m[1]!);
  } catch (e) {
    throw new Unauthorized(e instanceof Error ? e.name : 'unknown');
  }
}

/**
 * The resource the authorizer allows: every method of the stage the request came to
 * (`arn:…:execute-api:<region>:<account>:<api>/<stage>/*`), not just `methodArn`. The `token` routes'
 * authorizer caches its answer per Authorization header and API Gateway applies a cached policy to
 * whichever method the token calls next; a policy for one method would refuse the token's next
 * route with 403. Who may call what stays the router's check, per route (docs/adr/0002).
 */
export function stageWide(methodArn: string): string {
  // arn:<partition>:execute-api:<region>:<account>:<api>/<stage>/<method>/<path…>
  const [api, stage, method] = methodArn.split('/');
  // Anything else is not from API Gateway; its own ARN is the narrowest policy there is.
  if (!/^arn:[\w-]+:execute-api:[\w-]+:\d+:\w+$/.test(api ?? '') || !stage || !method) return methodArn;
  return `${api}/${stage}/*`;
}
