import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { wildcardMatch } from './iam';
import { LambdaError } from './lambdaRuntime';
import { DEPLOYMENT, type Json, type ResolvedTemplate } from './template';

/**
 * The REST API as the template declares it, reduced to what a request goes through before and after
 * a function: the method of the resource path and HTTP method, its API key requirement (against the
 * keys registered in the usage plan), its REQUEST authorizer (identity sources, result cache, the
 * Lambda's policy and context) and its AWS_PROXY integration, with the event and the response checks of API Gateway,
 * and the functions' resource policies (API Gateway may invoke only what they permit).
 * Routing follows the template, not schemas/routes.ts: a method wired to the wrong function, or
 * not wired, fails here.
 */
export interface ApiRequest {
  method: string;
  /** The resource path with `{param}` placeholders, as in the template. */
  resource: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  token?: string;
  /** Sent as JSON. */
  body?: unknown;
  rawBody?: string;
}

export interface ApiResult {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: any;
  /** The ARN of the function that answered (undefined when API Gateway answered itself). */
  functionArn?: string;
}

interface Method {
  functionArn: string;
  apiKeyRequired: boolean;
  authorizer?: { functionArn: string; id: string; identitySources: string[]; ttlSeconds: number };
}

export type Invoke = (functionArn: string, event: unknown) => Promise<unknown>;
/** The function's resource policy: may `principal` invoke it from `sourceArn`? */
export type MayInvoke = (functionArn: string, principal: string, sourceArn: string) => boolean;

const functionArnOfUri = (uri: string): string => {
  const m = /:lambda:path\/2015-03-31\/functions\/(.+)\/invocations$/.exec(uri);
  if (!m) throw new Error(`not a Lambda proxy integration URI: ${uri}`);
  return m[1]!;
};

export class TemplateGateway {
  private readonly methods = new Map<string, Method>();
  readonly apiId: string;
  readonly stage: string;
  private readonly binaryMediaTypes: string[];
  private readonly authorizerCache = new Map<string, { result: Json; until: number }>();

  constructor(
    private readonly template: ResolvedTemplate,
    private readonly invoke: Invoke,
    private readonly mayInvoke: MayInvoke,
    private readonly registeredApiKeys: () => Set<string>,
  ) {
    const [[apiLogicalId, api]] = template.ofType('AWS::ApiGateway::RestApi') as [[string, Json]];
    this.apiId = template.ref(apiLogicalId);
    this.binaryMediaTypes = api.Properties.BinaryMediaTypes ?? [];
    this.stage = template.ofType('AWS::ApiGateway::Stage')[0]![1].Properties.StageName;
    for (const [, m] of template.ofType('AWS::ApiGateway::Method')) {
      const p = m.Properties as Json;
      if (p.HttpMethod === 'OPTIONS') continue;
      if (p.Integration?.Type !== 'AWS_PROXY') throw new Error(`${p.HttpMethod} is not a Lambda proxy integration`);
      const method: Method = {
        functionArn: functionArnOfUri(template.resolveString(p.Integration.Uri)),
        apiKeyRequired: p.ApiKeyRequired === true,
      };
      if (p.AuthorizationType === 'CUSTOM') {
        const a = template.resource(p.AuthorizerId.Ref).Properties as Json;
        if (a.Type !== 'REQUEST') throw new Error(`authorizer type ${a.Type} is not emulated`);
        method.authorizer = {
          functionArn: functionArnOfUri(template.resolveString(a.AuthorizerUri)),
          id: template.ref(p.AuthorizerId.Ref),
          // CloudFormation's default when the template leaves it out.
          ttlSeconds: a.AuthorizerResultTtlInSeconds ?? 300,
          identitySources: String(a.IdentitySource ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        };
      } else if (p.AuthorizationType !== 'NONE')
        throw new Error(`authorization ${p.AuthorizationType} is not emulated`);
      this.methods.set(`${p.HttpMethod} ${this.resourcePath(p.ResourceId)}`, method);
    }
  }

  private resourcePath(ref: Json): string {
    if (ref['Fn::GetAtt']) return '';
    const r = this.template.resource(ref.Ref as string).Properties as Json;
    return `${this.resourcePath(r.ParentId)}/${r.PathPart}`;
  }

  private get executeApiArn(): string {
    return `arn:${DEPLOYMENT.partition}:execute-api:${DEPLOYMENT.region}:${DEPLOYMENT.accountId}:${this.apiId}`;
  }

  async request(req: ApiRequest): Promise<ApiResult> {
    const method = this.methods.get(`${req.method} ${req.resource}`);
    if (!method) return answer(404, 'no such method in the template');
    const path = req.resource.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(req.params?.[k] ?? ''));
    const headers: Record<string, string> = {
      Host: `${this.apiId}.execute-api.${DEPLOYMENT.region}.${DEPLOYMENT.urlSuffix}`,
      'User-Agent': 'bundles-test',
      'X-Amzn-Trace-Id': `Root=1-${randomUUID().slice(0, 8)}`,
      'X-Forwarded-For': '203.0.113.7',
      'X-Forwarded-Port': '443',
      'X-Forwarded-Proto': 'https',
      ...(req.token ? { Authorization: `Bearer ${req.token}` } : {}),
      ...(req.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...(req.headers ?? {}),
    };
    const event = this.proxyEvent(req, path, headers);
    if (method.apiKeyRequired) {
      const key = lowerCase(headers)['x-api-key'];
      if (!key || !this.registeredApiKeys().has(key)) return answer(403, 'API key not in the usage plan');
      event.requestContext.identity.apiKey = key;
    }
    if (method.authorizer) {
      const outcome = await this.authorize(method.authorizer, req, path, headers);
      if ('status' in outcome) return outcome;
      event.requestContext.authorizer = outcome.context;
    }
    // Without the function's permission, API Gateway cannot invoke it and answers 500 itself.
    const sourceArn = `${this.executeApiArn}/${this.stage}/${req.method}${path}`;
    if (!this.mayInvoke(method.functionArn, 'apigateway.amazonaws.com', sourceArn))
      return answer(500, `no permission for API Gateway to invoke the function from ${sourceArn}`);
    let result: unknown;
    try {
      result = await this.invoke(method.functionArn, event);
    } catch (e) {
      if (e instanceof LambdaError) return { ...answer(502, e.message), functionArn: method.functionArn };
      throw e;
    }
    return { ...proxyResult(result), functionArn: method.functionArn };
  }

  private async authorize(
    authorizer: NonNullable<Method['authorizer']>,
    req: ApiRequest,
    path: string,
    headers: Record<string, string>,
  ): Promise<ApiResult | { context: Record<string, unknown> }> {
    const lower = lowerCase(headers);
    // With identity sources, API Gateway answers 401 itself when one is missing.
    for (const source of authorizer.identitySources) {
      const header = /^method\.request\.header\.(.+)$/.exec(source)?.[1];
      if (!header) throw new Error(`identity source ${source} is not emulated`);
      if (!lower[header.toLowerCase()]) return answer(401, `missing ${header}`);
    }
    const methodArn = `${this.executeApiArn}/${this.stage}/${req.method}${path}`;
    const cacheKey =
      authorizer.ttlSeconds > 0 && authorizer.identitySources.length > 0
        ? JSON.stringify([
            authorizer.id,
            ...authorizer.identitySources.map((s) => lower[s.split('.').pop()!.toLowerCase()]),
          ])
        : undefined;
    const cached = cacheKey ? this.authorizerCache.get(cacheKey) : undefined;
    let result: Json;
    if (cached && cached.until > Date.now()) result = cached.result;
    else {
      const outcome = await this.invokeAuthorizer(authorizer, req, path, headers, methodArn);
      if ('status' in outcome) return outcome;
      result = outcome.result;
      // API Gateway caches the policy by identity source and applies it to every method it is
      // asked about next: a policy naming only the first method denies the others.
      if (cacheKey) this.authorizerCache.set(cacheKey, { result, until: Date.now() + authorizer.ttlSeconds * 1000 });
    }
    const allowed = (result.policyDocument?.Statement ?? []).some(
      (s: Json) =>
        s.Effect === 'Allow' &&
        [s.Action].flat().some((a: string) => wildcardMatch(a, 'execute-api:Invoke', true)) &&
        [s.Resource].flat().some((r: string) => wildcardMatch(r, methodArn)),
    );
    if (!allowed) return answer(403, 'the authorizer’s policy does not allow this method');
    for (const [k, v] of Object.entries<unknown>(result.context ?? {}))
      if (!['string', 'number', 'boolean'].includes(typeof v))
        return answer(500, `authorizer context value ${k} is not a string, number or boolean`);
    return { context: { ...result.context, principalId: result.principalId, integrationLatency: 1 } };
  }

  private async invokeAuthorizer(
    authorizer: NonNullable<Method['authorizer']>,
    req: ApiRequest,
    path: string,
    headers: Record<string, string>,
    methodArn: string,
  ): Promise<ApiResult | { result: Json }> {
    const sourceArn = `${this.executeApiArn}/authorizers/${authorizer.id}`;
    if (!this.mayInvoke(authorizer.functionArn, 'apigateway.amazonaws.com', sourceArn))
      return answer(500, `no permission for API Gateway to invoke the authorizer from ${sourceArn}`);
    const proxy = this.proxyEvent(req, path, headers);
    const event: APIGatewayRequestAuthorizerEvent = {
      type: 'REQUEST',
      methodArn,
      resource: req.resource,
      path,
      httpMethod: req.method,
      headers: proxy.headers as Record<string, string>,
      multiValueHeaders: proxy.multiValueHeaders as Record<string, string[]>,
      pathParameters: proxy.pathParameters,
      queryStringParameters: proxy.queryStringParameters,
      multiValueQueryStringParameters: proxy.multiValueQueryStringParameters,
      stageVariables: null,
      requestContext: proxy.requestContext as APIGatewayRequestAuthorizerEvent['requestContext'],
    };
    try {
      return { result: (await this.invoke(authorizer.functionArn, event)) as Json };
    } catch (e) {
      // The authorizer's documented way to say 401 is to fail with exactly 'Unauthorized'.
      if (e instanceof LambdaError && e.errorMessage === 'Unauthorized') return answer(401, 'Unauthorized');
      if (e instanceof LambdaError) return answer(500, e.message);
      throw e;
    }
  }

  private proxyEvent(req: ApiRequest, path: string, headers: Record<string, string>): APIGatewayProxyEvent {
    const contentType = lowerCase(headers)['content-type'] ?? '';
    const text = req.rawBody ?? (req.body === undefined ? null : JSON.stringify(req.body));
    const binary = text !== null && this.binaryMediaTypes.some((t) => t === '*/*' || t === contentType.split(';')[0]);
    const query = req.query && Object.keys(req.query).length ? req.query : null;
    const now = new Date();
    return {
      resource: req.resource,
      path,
      httpMethod: req.method,
      headers,
      multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      queryStringParameters: query,
      multiValueQueryStringParameters: query && Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])),
      pathParameters: req.params && Object.keys(req.params).length ? req.params : null,
      stageVariables: null,
      requestContext: {
        accountId: DEPLOYMENT.accountId,
        apiId: this.apiId,
        authorizer: null as never,
        domainName: headers.Host!,
        domainPrefix: this.apiId,
        extendedRequestId: randomUUID(),
        httpMethod: req.method,
        identity: {
          sourceIp: '203.0.113.7',
          userAgent: 'bundles-test',
          apiKey: null,
          apiKeyId: null,
          accessKey: null,
          accountId: null,
          caller: null,
          clientCert: null,
          cognitoAuthenticationProvider: null,
          cognitoAuthenticationType: null,
          cognitoIdentityId: null,
          cognitoIdentityPoolId: null,
          principalOrgId: null,
          user: null,
          userArn: null,
        },
        path: `/${this.stage}${path}`,
        protocol: 'HTTP/1.1',
        requestId: randomUUID(),
        requestTime: now.toUTCString(),
        requestTimeEpoch: now.getTime(),
        resourceId: 'abc123',
        resourcePath: req.resource,
        stage: this.stage,
      },
      body: binary ? Buffer.from(text!).toString('base64') : text,
      isBase64Encoded: binary,
    };
  }
}

const lowerCase = (h: Record<string, string>) =>
  Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

function answer(status: number, message: string): ApiResult {
  return { status, headers: {}, text: message, body: { message } };
}

/** API Gateway's reading of a proxy integration's result; anything malformed is its 502. */
function proxyResult(result: unknown): ApiResult {
  const r = result as Json | null;
  const headersOk =
    r?.headers === undefined ||
    (typeof r.headers === 'object' &&
      Object.values(r.headers).every((v) => ['string', 'number', 'boolean'].includes(typeof v)));
  if (!r || !Number.isInteger(r.statusCode) || !headersOk || (r.body !== undefined && typeof r.body !== 'string'))
    return answer(502, `Malformed Lambda proxy response: ${JSON.stringify(result).slice(0, 300)}`);
  const headers = lowerCase(
    Object.fromEntries(Object.entries<unknown>(r.headers ?? {}).map(([k, v]) => [k, String(v)])),
  );
  const text = r.isBase64Encoded ? Buffer.from(r.body ?? '', 'base64').toString() : (r.body ?? '');
  const isJson = /json/.test(headers['content-type'] ?? '') && text !== '';
  return { status: r.statusCode, headers, text, body: isJson ? JSON.parse(text) : text };
}
