import * as z from 'zod/mini';
import type { $ZodType } from 'zod/v4/core';
import { routes, type Route } from './routes';
import { problemTypes } from '../functions/shared/domain/errors';
import { catalogDocs } from './catalog';
import { Problem } from './common';
import { financeDocs } from './finance';
import { ledgerDocs } from './ledger';
import { opendataDocs } from './opendata';
import { noticesDocs } from './notices';
import { paymentsDocs } from './payments';
import type { RouteDoc, RouteDocs } from './docs';

/**
 * Every context's route docs; a route without one is still listed, with a generic response. Built
 * when the document is, not at import: the docs factories are what keeps them off cold starts.
 */
const allDocs = (): RouteDocs => ({
  ...catalogDocs().routes,
  ...ledgerDocs().routes,
  ...financeDocs().routes,
  ...opendataDocs().routes,
  ...noticesDocs().routes,
  ...paymentsDocs().routes,
});

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

const queryParameters = (q: $ZodType | undefined) => {
  if (!q) return [];
  const schema = jsonSchema(q, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(schema.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: schema.required?.includes(name) ?? false,
    schema: s,
  }));
};

const headerParameters = (doc: RouteDoc | undefined) =>
  (doc?.headers ?? []).map((h) => ({
    name: h.name,
    in: 'header',
    required: h.required,
    description: h.description,
    schema: jsonSchema(h.schema, 'input'),
  }));

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

function operation(route: Route, doc: RouteDoc | undefined) {
  const status = String(doc?.status ?? 200);
  const problemRef = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
  const body = doc?.response ? { content: { 'application/json': { schema: jsonSchema(doc.response, 'output') } } } : {};
  const responses: Record<string, unknown> = {
    [status]: { description: 'Success', ...body },
    '400': { description: 'validation-failed', content: problemRef },
  };
  for (const alt of doc?.alsoStatus ?? [])
    responses[String(alt.status)] = { description: alt.description, ...(alt.sameBody ? body : {}) };
  for (const slug of doc?.problems ?? []) {
    const p = problemTypes[slug as keyof typeof problemTypes];
    if (!p) continue;
    const key = String(p.status);
    const prev = responses[key] as { description: string } | undefined;
    responses[key] = { description: prev ? `${prev.description}, ${slug}` : slug, content: problemRef };
  }
  // A bad token is 401 on `optional` routes too; a role the route table does not admit is 403 (API.md "Auth").
  if (route.access.kind === 'token' || route.access.kind === 'optional') {
    responses['401'] ??= { description: 'unauthorized', content: problemRef };
    responses['403'] ??= { description: 'forbidden', content: problemRef };
  }
  const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const bodyType = doc?.bodyType ?? route.bodyType;
  return {
    operationId: `${route.method.toLowerCase()}${route.path.replace(/[{}]/g, '').replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    summary: doc?.summary ?? `${route.method} ${route.path}`,
    tags: [route.fn],
    security: security(route),
    parameters: [...pathParams, ...headerParameters(doc), ...queryParameters(doc?.query)],
    ...(doc?.body || bodyType
      ? {
          requestBody: {
            required: true,
            content:
              bodyType === 'text/csv'
                ? { 'text/csv': { schema: { type: 'string' } } }
                : { 'application/json': { schema: doc?.body ? jsonSchema(doc.body, 'input') : {} } },
          },
        }
      : {}),
    responses,
  };
}

export function buildOpenApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  const docs = allDocs();
  for (const route of routes as readonly Route[]) {
    const doc = docs[`${route.method} ${route.path}` as keyof RouteDocs];
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route, doc);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'One-window fee collection and open-data gateway',
      version: '1.0.0',
      description: 'Errors are RFC 9457 problem details; amounts are integers in fen.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: { Problem: jsonSchema(Problem(), 'output'), ...components },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      },
    },
  };
}
