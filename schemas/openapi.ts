import * as z from 'zod/mini';
import type { $ZodType } from 'zod/v4/core';
import { HTTP_FUNCTIONS, routes, type HttpFunctionName, type Route } from './routes';
import { problemTypes } from '../functions/shared/domain/errors';
import { catalogDocs } from './catalog';
import { Problem } from './common';
import { financeDocs } from './finance';
import { ledgerDocs } from './ledger';
import { opendataDocs } from './opendata';
import { noticesDocs } from './notices';
import { ordersDocs } from './orders';
import { paymentsDocs } from './payments';
import { platformDocs } from './platform';
import type { ResponseHeaderName, ResponseHeaderUse, RouteDoc, RouteDocs } from './docs';

/**
 * Every context's route docs; a route without one is still listed, with a generic response. Built
 * when the document is, not at import: the docs factories are what keeps them off cold starts.
 */
const allDocs = (): RouteDocs => ({
  ...platformDocs().routes,
  ...catalogDocs().routes,
  ...ledgerDocs().routes,
  ...financeDocs().routes,
  ...opendataDocs().routes,
  ...noticesDocs().routes,
  ...paymentsDocs().routes,
  ...ordersDocs().routes,
});

/** One tag per bounded context (the function that serves the route), declared at the top level. */
const TAGS: Record<HttpFunctionName, string> = {
  platform: 'Health and this document',
  catalog: 'Fee catalog (收费公示): departments and the fee items they may charge, with every version',
  notices: 'Payment notices (缴款通知书) issued by departments and looked up by payers',
  payments: 'Payments at the one window, refunds, and signed receipts (财政电子票据)',
  orders: 'Online payment orders (网上缴费) through a payment provider, and its notifications',
  ledger: 'The double-entry ledger (收支两条线): trial balance, transactions and signed day proofs',
  finance: 'Finance bureau: bank statements, reconciliation, settlement and day close, budgets, reports',
  opendata: 'Open data (政府数据开放): API keys, anonymized datasets, releases and rows',
};

/** The response headers routes name in their docs; documentation only, never parsed by a handler. */
const RESPONSE_HEADERS: Record<ResponseHeaderName, { description: string; schema: Record<string, unknown> }> = {
  'Idempotent-Replayed': {
    description:
      'Sent, as `true`, when this response replays the first response to an earlier request with the same Idempotency-Key and body',
    schema: { type: 'string', enum: ['true'] },
  },
  ETag: {
    description: 'The entity tag of this representation; send it in If-None-Match to get 304 while it is unchanged',
    schema: { type: 'string', maxLength: 200, pattern: '^(W/)?"[\\x21\\x23-\\x7e]*"$' },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again',
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 86400 },
  },
  'Cache-Control': {
    description: 'Who may cache the response, and for how long',
    schema: { type: 'string', maxLength: 200, pattern: '^[a-z0-9=, -]+$' },
  },
  Vary: {
    description: 'The request headers the representation depends on',
    schema: { type: 'string', maxLength: 200, pattern: '^[A-Za-z0-9, -]+$' },
  },
  Location: {
    description: 'Where to follow this request up: the publication job to poll',
    schema: { type: 'string', maxLength: 500, format: 'uri-reference' },
  },
  'X-Release': {
    description: 'CSV only: the id of the release the rows come from (the JSON body carries it as release.id)',
    schema: { type: 'string', maxLength: 64, pattern: '^[0-9A-Za-z-]{1,64}$' },
  },
  'X-Next-Cursor': {
    description:
      'CSV only, when more rows follow: the cursor of the next page (the JSON body carries it as nextCursor)',
    // Opaque: only its length and that it is a visible-ASCII header value are promised.
    schema: { type: 'string', maxLength: 2048, pattern: '^[\\x21-\\x7e]+$' },
  },
};

/** Schemas with a `.meta({ id })` become shared components; zod emits them as local `$defs`. */
const components: Record<string, unknown> = {};

const jsonSchema = (s: $ZodType, io: 'input' | 'output') => {
  const {
    $schema: _s,
    $defs,
    ...rest
  } = z.toJSONSchema(s, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }) as Record<
    string,
    unknown
  >;
  const suffix = io === 'input' ? 'Input' : '';
  const rewrite = (v: unknown): unknown =>
    JSON.parse(
      JSON.stringify(v).replace(/"#\/\$defs\/([^"]+)"/g, (_m, id: string) => `"#/components/schemas/${id}${suffix}"`),
    );
  for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, unknown>))
    components[id + suffix] ??= rewrite(def);
  return rewrite(rest) as Record<string, unknown>;
};

/** The properties of an object schema as parameters `in` the given place. */
function parametersOf(s: $ZodType | undefined, where: 'query' | 'path') {
  if (!s) return [];
  const schema = jsonSchema(s, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(schema.properties ?? {}).map(([name, p]) => ({
    name,
    in: where,
    required: where === 'path' || (schema.required?.includes(name) ?? false),
    schema: p,
  }));
}

function pathParameters(route: Route, doc: RouteDoc | undefined) {
  const documented = parametersOf(doc?.params, 'path');
  return [...route.path.matchAll(/\{(\w+)\}/g)].map(
    (m) =>
      documented.find((p) => p.name === m[1]) ?? { name: m[1], in: 'path', required: true, schema: { type: 'string' } },
  );
}

const headerParameters = (doc: RouteDoc | undefined) =>
  (doc?.headers ?? []).map((h) => ({
    name: h.name,
    in: 'header',
    required: h.required,
    description: h.description,
    schema: jsonSchema(h.schema, 'input'),
  }));

function responseHeaders(uses: ResponseHeaderUse[] | undefined) {
  if (!uses?.length) return {};
  const headers: Record<string, unknown> = {};
  for (const use of uses) {
    const name = typeof use === 'string' ? use : use.name;
    headers[name] = { ...RESPONSE_HEADERS[name], required: typeof use !== 'string' };
  }
  return { headers };
}

function security(route: Route) {
  switch (route.access.kind) {
    case 'public':
      return [];
    case 'apiKey':
      return [{ apiKey: [] }];
    case 'optional':
      return [{}, { bearer: [] }];
    case 'token':
      return [{ bearer: [] }];
  }
}

/** The request body: JSON (optional when its schema is, e.g. the `{}` of accept and publish) or CSV text. */
function requestBody(route: Route, doc: RouteDoc | undefined) {
  const bodyType = doc?.bodyType ?? route.bodyType;
  if (bodyType === 'text/csv')
    return {
      required: true,
      // The finance route's inline limit (MAX_INLINE_STATEMENT_BYTES, 5 MiB): larger statements go through S3.
      content: { 'text/csv': { schema: { type: 'string', maxLength: 5 * 1024 * 1024, contentMediaType: 'text/csv' } } },
    };
  if (bodyType === 'application/x-www-form-urlencoded')
    return {
      required: true,
      // Signed over its fields as sent, so the handler reads it as text (docs/adr/0015).
      content: {
        'application/x-www-form-urlencoded': {
          schema: { type: 'object', additionalProperties: { type: 'string', maxLength: 4096 }, maxProperties: 64 },
        },
      },
    };
  if (!doc?.body) return undefined;
  const optional = (doc.body as { _zod: { optin?: string } })._zod.optin === 'optional';
  return { required: !optional, content: { 'application/json': { schema: jsonSchema(doc.body, 'input') } } };
}

/**
 * Every problem the route can answer, by slug: those that follow from its access and its body (what
 * the shared HTTP adapter and the gateway do for every route), then the route's own.
 */
function problemSlugs(route: Route, doc: RouteDoc | undefined, body: ReturnType<typeof requestBody>): string[] {
  const validates = body || doc?.query || doc?.headers?.length;
  const slugs: string[] = validates ? ['validation-failed'] : [];
  if (body && 'application/json' in body.content) slugs.push('malformed-json');
  if (body) slugs.push('payload-too-large', 'unsupported-media-type');
  // A bad token is 401 on `optional` routes too; a role the route table does not admit is 403 (API.md "Auth").
  if (route.access.kind === 'token' || route.access.kind === 'optional') slugs.push('unauthorized', 'forbidden');
  if (route.access.kind === 'apiKey') slugs.push('api-key-required', 'rate-limited');
  return [...new Set([...slugs, ...(doc?.problems ?? [])])];
}

const problemContent = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

function problemResponses(slugs: string[]) {
  const byStatus = new Map<number, string[]>();
  for (const slug of slugs) {
    const p = problemTypes[slug as keyof typeof problemTypes];
    if (!p) throw new Error(`OpenAPI: unknown problem slug ${slug}`);
    byStatus.set(p.status, [...(byStatus.get(p.status) ?? []), slug]);
  }
  const responses: Record<string, unknown> = {};
  for (const [status, of] of [...byStatus].sort(([a], [b]) => a - b)) {
    // Over a limit the client is told when to come back; a request still in flight under its key too.
    const retry = of.includes('rate-limited')
      ? responseHeaders([{ name: 'Retry-After', required: true }])
      : of.includes('idempotency-in-progress')
        ? responseHeaders(['Retry-After'])
        : {};
    responses[String(status)] = { description: of.join(', '), ...retry, content: problemContent };
  }
  return responses;
}

function successResponses(doc: RouteDoc | undefined) {
  const content: Record<string, unknown> = {};
  if (doc?.response) content['application/json'] = { schema: jsonSchema(doc.response, 'output') };
  if (doc?.csvResponse) content['text/csv'] = { schema: { type: 'string', contentMediaType: 'text/csv' } };
  if (doc?.textResponse) content['text/plain'] = { schema: { type: 'string', enum: [doc.textResponse] } };
  const body = Object.keys(content).length ? { content } : {};
  const responses: Record<string, unknown> = {
    [String(doc?.status ?? 200)]: { description: 'Success', ...responseHeaders(doc?.responseHeaders), ...body },
  };
  for (const alt of doc?.alsoStatus ?? [])
    responses[String(alt.status)] = {
      description: alt.description,
      ...responseHeaders(alt.headers),
      ...(alt.sameBody ? body : {}),
    };
  return responses;
}

const operationId = (route: Route) =>
  `${route.method.toLowerCase()}${route.path.replace(/[{}]/g, '').replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`;

function operation(route: Route, doc: RouteDoc | undefined) {
  const body = requestBody(route, doc);
  return {
    operationId: operationId(route),
    summary: doc?.summary ?? `${route.method} ${route.path}`,
    tags: [route.fn],
    security: security(route),
    parameters: [...pathParameters(route, doc), ...headerParameters(doc), ...parametersOf(doc?.query, 'query')],
    ...(body ? { requestBody: body } : {}),
    responses: { ...successResponses(doc), ...problemResponses(problemSlugs(route, doc, body)) },
  };
}

/**
 * Every integer says how wide it is (int32 when its bounds fit in 32 bits, else int64): zod emits
 * integers with their bounds but no format, and a client generator picks its type from the format.
 */
function withIntegerFormats(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withIntegerFormats);
  if (!v || typeof v !== 'object') return v;
  const o = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withIntegerFormats(x)]));
  if (o.type === 'integer' && o.format === undefined) {
    const fits = (n: unknown) => typeof n === 'number' && n >= -(2 ** 31) && n <= 2 ** 31 - 1;
    o.format = fits(o.minimum ?? o.exclusiveMinimum) && fits(o.maximum ?? o.exclusiveMaximum) ? 'int32' : 'int64';
  }
  return o;
}

export function buildOpenApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  const docs = allDocs();
  for (const route of routes as readonly Route[]) {
    const doc = docs[`${route.method} ${route.path}` as keyof RouteDocs];
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route, doc);
  }
  const document = {
    openapi: '3.1.0',
    info: {
      title: 'One-window fee collection and open-data gateway',
      version: '1.0.0',
      description: 'Errors are RFC 9457 problem details; amounts are integers in fen.',
    },
    // One origin: the portal and the API are served together, so the API is addressed relative to it.
    servers: [
      {
        url: '/',
        description: 'The origin this document was served from: local (npm start) or production (the deployed stage)',
        'x-internal': false,
      },
    ],
    tags: HTTP_FUNCTIONS.map((name) => ({ name, description: TAGS[name] })),
    paths,
    components: {
      schemas: { Problem: jsonSchema(Problem(), 'output'), ...components },
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A signed JWT (JWS) from the identity provider, handled as RFC8725 (JSON Web Token Best Current Practices) advises: the server fixes the algorithm (ES256) and never takes it from the token, so `alg: none`, HMAC and embedded keys are refused; iss, aud, exp and sub are required and checked; role, dept and window are the claims the API reads.',
        },
        apiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'x-api-key',
          description: 'An open-data API key from POST /v1/open/keys; each key has its own rate limit',
        },
      },
    },
  };
  return withIntegerFormats(document) as typeof document;
}
