import { routes, type Route } from '../../schemas/routes';

/** Finds the route for a concrete path, returning its path parameters. Used by the local gateway. */
export function matchRoute(
  method: string,
  urlPath: string,
): { route: Route; pathParameters: Record<string, string> } | { route: undefined; methodsForPath: string[] } {
  const methodsForPath: string[] = [];
  for (const route of routes as readonly Route[]) {
    const params = matchPath(route.path, urlPath);
    if (!params) continue;
    if (route.method === method) return { route, pathParameters: params };
    methodsForPath.push(route.method);
  }
  return { route: undefined, methodsForPath };
}

function matchPath(template: string, urlPath: string): Record<string, string> | undefined {
  const t = template.split('/');
  const u = urlPath.split('/');
  if (t.length !== u.length) return undefined;
  // Keys come from the route table's templates; the values (from outside) are only values.
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const seg = t[i]!;
    const val = u[i]!;
    if (seg.startsWith('{') && seg.endsWith('}')) {
      if (val === '') return undefined;
      try {
        params[seg.slice(1, -1)] = decodeURIComponent(val);
      } catch {
        return undefined;
      }
    } else if (seg !== val) return undefined;
  }
  return params;
}
