import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { matchRoute } from '../../infra/local/routeMatch';

/**
 * The two ways an API test learns that a response is not what the OpenAPI document describes:
 * - `prismViolations`: what the validating proxy (test/support/prism.ts) reported about a response it
 *   carried, from its `sl-violations` header and its own `VIOLATIONS` (or routing) problem;
 * - `documentViolations`: the same check done here, for the few requests that go around the proxy
 *   because Prism cannot carry them as sent (see api.ts), and for tests that need their own socket.
 */
export interface CheckedResponse {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

const PRISM_PROBLEM = 'https://stoplight.io/prism/errors#';

export function prismViolations(res: CheckedResponse): string[] {
  const out: string[] = [];
  const header = res.headers.get('sl-violations');
  if (header) {
    try {
      for (const v of JSON.parse(header) as { location: string[]; message: string; severity: string }[])
        out.push(`${v.location.join('.')}: ${v.message}${v.severity === 'Error' ? '' : ` (${v.severity})`}`);
    } catch {
      out.push(header);
    }
  }
  const problem = res.body as {
    type?: unknown;
    detail?: unknown;
    validation?: { location: string[]; message: string }[];
  };
  if (typeof problem?.type === 'string' && problem.type.startsWith(PRISM_PROBLEM)) {
    out.push(`Prism answered ${problem.type.slice(PRISM_PROBLEM.length)} itself: ${String(problem.detail)}`);
    for (const v of problem.validation ?? []) out.push(`${v.location.join('.')}: ${v.message}`);
  }
  return [...new Set(out)];
}

type Doc = { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, unknown> } };
let compiled: { doc: Doc; ajv: Ajv2020 } | undefined;

function ajvFor(doc: Doc): Ajv2020 {
  if (compiled?.doc !== doc) {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'openapi', ...doc });
    compiled = { doc, ajv };
  }
  return compiled.ajv;
}

const pointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
const essence = (contentType: string | null) => (contentType ?? '').split(';')[0]!.trim().toLowerCase();

/** What of `res` the document does not describe, for the operation `method url` names (if any). */
export function documentViolations(doc: Doc, method: string, url: string, res: CheckedResponse): string[] {
  const pathname = new URL(url, 'http://local').pathname;
  // The portal's static files share the origin but are not the API the document describes.
  if (!pathname.startsWith('/v1/')) return [];
  const match = matchRoute(method.toUpperCase(), pathname);
  const m = method.toLowerCase();
  const at = match.route ? ['paths', match.route.path, m] : undefined;
  const op = match.route ? doc.paths[match.route.path]?.[m] : undefined;
  if (!at || !op) {
    // No operation (an unknown path or method): the gateway's 404/405 must still be a problem document.
    if (essence(res.headers.get('content-type')) !== 'application/problem+json')
      return [`${res.status} for a path the document does not have is not application/problem+json`];
    return validate(doc, '#/components/schemas/Problem', res.body);
  }
  const declared = op.responses[String(res.status)];
  if (!declared) return [`status ${res.status} is not declared (declared: ${Object.keys(op.responses).join(', ')})`];
  const out: string[] = [];
  for (const [name, h] of Object.entries((declared.headers ?? {}) as Record<string, { required?: boolean }>))
    if (h.required && !res.headers.has(name)) out.push(`required header ${name} is missing`);
  const content = (declared.content ?? {}) as Record<string, { schema?: unknown }>;
  const type = essence(res.headers.get('content-type'));
  if (!Object.keys(content).length) {
    if (res.text !== '') out.push(`status ${res.status} declares no body, got ${res.text.length} characters`);
    return out;
  }
  if (!(type in content)) return [...out, `media type "${type}" is not declared (${Object.keys(content).join(', ')})`];
  if (!content[type]!.schema) return out;
  const ref = `openapi#/${at.map(pointer).join('/')}/responses/${res.status}/content/${pointer(type)}/schema`;
  const isJson = type === 'application/json' || type.endsWith('+json');
  return [...out, ...validate(doc, ref, isJson ? res.body : res.text)];
}

function validate(doc: Doc, ref: string, value: unknown): string[] {
  const ajv = ajvFor(doc);
  const check = ajv.getSchema(ref.startsWith('#') ? `openapi${ref}` : ref);
  if (!check) return [`no schema at ${ref}`];
  return check(value) ? [] : (check.errors ?? []).map((e) => `body${e.instancePath} ${e.message}`);
}
