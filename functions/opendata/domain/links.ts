/**
 * Where open data's public links point. Deployed, the stack configures the public base URL (the
 * CloudFront distribution that serves the portal, `/v1/*` and `/open-data/*` from one origin): a
 * request reaching the API through CloudFront carries the API's own host, not the viewer's, so the
 * viewer's address can only come from configuration.
 *
 * Without it, links are built from the request as API Gateway describes it:
 * - the host is `requestContext.domainName` (the execute-api or custom domain the client called;
 *   the local gateway sets it from Host), else the Host header;
 * - the path prefix is what `requestContext.path` (the path as the client sent it, with the stage on
 *   an execute-api URL, the base path on a custom domain) holds before the route's own segments.
 *   `event.path` cannot tell: on an execute-api URL it lacks the stage, on a custom domain it keeps
 *   the base path. Routes have no greedy parameters, so the route takes as many trailing segments
 *   as its resource template has.
 * Release files are served at the origin's root (`/open-data/...`), by the local gateway locally and
 * by CloudFront deployed, never under an API stage.
 */
export interface RequestLocation {
  /** `requestContext.domainName`. */
  domainName?: string;
  /** The Host header. */
  host?: string;
  /** The X-Forwarded-Proto header (API Gateway sends `https`). */
  forwardedProto?: string;
  /** `requestContext.path`. */
  requestPath?: string;
  /** `event.resource`: the route's template, e.g. `/v1/open/datasets/{id}/datapackage.json`. */
  resource: string;
}

export interface PublicBase {
  /** What `/v1/...` follows. */
  api: string;
  /** What `/open-data/...` follows. */
  files: string;
}

const HOST = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/;
const SEGMENT = /^[A-Za-z0-9._~-]{1,128}$/;
const LOCAL_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:|$)/;

const segments = (path: string): string[] => path.split('/').filter((s) => s.length > 0);

/** The segments the client put before the route: the stage or base path, or none. */
export function pathPrefix(requestPath: string | undefined, resource: string): string {
  if (!requestPath) return '';
  const route = segments(resource);
  const sent = segments(requestPath);
  if (sent.length < route.length) return '';
  const prefix = sent.slice(0, sent.length - route.length);
  const tail = sent.slice(prefix.length);
  // The route's fixed segments must be where the template puts them; otherwise this is not our route.
  if (!route.every((s, i) => s.startsWith('{') || s === tail[i])) return '';
  if (!prefix.every((s) => SEGMENT.test(s))) return '';
  return prefix.map((s) => `/${s}`).join('');
}

/** The public base of links for one request: the configured URL, else the request's origin and prefix. */
export function publicBase(configured: string | undefined, req: RequestLocation): PublicBase {
  if (configured) return { api: configured, files: configured };
  const candidate = req.domainName || req.host || '';
  // A Host header is the caller's to write: a malformed one never reaches a link.
  const host = HOST.test(candidate) ? candidate : 'localhost';
  const proto =
    req.forwardedProto === 'http' || req.forwardedProto === 'https'
      ? req.forwardedProto
      : LOCAL_HOST.test(host)
        ? 'http'
        : 'https';
  const origin = `${proto}://${host}`;
  return { api: origin + pathPrefix(req.requestPath, req.resource), files: origin };
}
