import { beforeAll, describe, expect, it } from 'vitest';
import { WAF_RATE_RULES, WAF_RETRY_AFTER_SECONDS, WAF_WINDOW_SECONDS, type RateRule } from '../../infra/constructs/waf';
import { PAYMENTS_RESERVED_CONCURRENCY, functions } from '../../infra/functions';
import { API_PATH_PATTERN, PAYMENT_THROTTLE, STAGE_NAME, STAGE_THROTTLE } from '../../infra/stack';
import { type Json, synth, type Synthesized } from './template';

/**
 * One origin (the portal and its API behind one CloudFront distribution) and capacity protection
 * (WAF rate limits on the stage and the distribution, payments' reserved concurrency).
 */
let t: Synthesized;
let dist: Json;
beforeAll(() => {
  t = synth();
  dist = t.props(t.stack.distribution).DistributionConfig;
});

// CloudFront's managed policies (ids fixed by AWS).
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

describe('one origin: the portal and its API behind one CloudFront distribution', () => {
  it('sends /v1/* to the API stage: the stage as origin path, over HTTPS only', () => {
    expect(API_PATH_PATTERN).toBe('/v1/*');
    const behaviour = (dist.CacheBehaviors as Json[]).find((b) => b.PathPattern === API_PATH_PATTERN)!;
    expect(behaviour).toBeDefined();
    const origin = (dist.Origins as Json[]).find((o) => o.Id === behaviour.TargetOriginId)!;
    expect(origin.OriginPath).toBe(`/${STAGE_NAME}`);
    expect(origin.DomainName).toEqual({
      'Fn::Join': [
        '',
        [{ Ref: t.idOf(t.stack.api) }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }],
      ],
    });
    expect(origin.CustomOriginConfig).toMatchObject({
      OriginProtocolPolicy: 'https-only',
      OriginSSLProtocols: ['TLSv1.2'],
    });
    expect(origin.S3OriginConfig).toBeUndefined();
  });

  it('caches nothing of the API, passes every method, and forwards every viewer header and query string but Host', () => {
    const behaviour = (dist.CacheBehaviors as Json[]).find((b) => b.PathPattern === API_PATH_PATTERN)!;
    expect(behaviour.CachePolicyId).toBe(CACHING_DISABLED);
    expect(behaviour.OriginRequestPolicyId).toBe(ALL_VIEWER_EXCEPT_HOST_HEADER);
    expect([...behaviour.AllowedMethods].sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
    // A redirect from http would turn a POST into a GET: refuse plain http instead.
    expect(behaviour.ViewerProtocolPolicy).toBe('https-only');
  });

  it('serves everything else (the portal) from the private site bucket through origin access control', () => {
    const origin = (dist.Origins as Json[]).find((o) => o.Id === dist.DefaultCacheBehavior.TargetOriginId)!;
    expect(origin.DomainName).toEqual({ 'Fn::GetAtt': [t.idOf(t.stack.siteBucket), 'RegionalDomainName'] });
    expect(origin.OriginAccessControlId).toBeDefined();
    // `/v1/*` (the API) and `/open-data/*` (published release files, ADR 0012) are the only other behaviours.
    expect((dist.CacheBehaviors as Json[]).map((b) => b.PathPattern).sort()).toEqual(['/open-data/*', '/v1/*']);
  });
});

/** The rate-based rules of a web ACL: name → { limit, window, key, path prefix, action }. */
function rulesOf(acl: Json) {
  return Object.fromEntries(
    (acl.Rules as Json[]).map((r) => {
      const rate = r.Statement.RateBasedStatement;
      return [
        r.Name,
        {
          limit: rate.Limit,
          window: rate.EvaluationWindowSec,
          key: rate.AggregateKeyType,
          pathPrefix: rate.ScopeDownStatement?.ByteMatchStatement?.SearchString,
          status: r.Action.Block.CustomResponse.ResponseCode,
          retryAfter: r.Action.Block.CustomResponse.ResponseHeaders,
        },
      ];
    }),
  );
}

const expectedRules = (rules: readonly RateRule[]) =>
  Object.fromEntries(
    rules.map((r) => [
      r.name,
      {
        limit: r.limit,
        window: WAF_WINDOW_SECONDS,
        key: 'IP',
        pathPrefix: r.pathPrefix,
        status: 429,
        retryAfter: [{ Name: 'Retry-After', Value: String(WAF_RETRY_AFTER_SECONDS) }],
      },
    ]),
  );

describe('WAF: per-client rate limits on the stage and the distribution', () => {
  it('puts a REGIONAL web ACL with a per-client-IP rate rule on the API stage', () => {
    const acl = t.props(t.stack.apiWebAcl.acl);
    expect(acl.Scope).toBe('REGIONAL');
    expect(acl.DefaultAction).toEqual({ Allow: {} });
    expect(rulesOf(acl)).toEqual(expectedRules(WAF_RATE_RULES.api));
    const associations = t.ofType('AWS::WAFv2::WebACLAssociation').map(([, a]) => a.Properties);
    expect(associations).toEqual([
      {
        ResourceArn: expect.objectContaining({ 'Fn::Join': expect.anything() }),
        WebACLArn: { 'Fn::GetAtt': [t.idOf(t.stack.apiWebAcl.acl), 'Arn'] },
      },
    ]);
    const arn = JSON.stringify(associations[0]!.ResourceArn);
    expect(arn).toContain(`{"Ref":"${t.idOf(t.stack.api)}"}`);
    expect(arn).toContain(`/stages/`);
  });

  it('limits one client far below the stage’s capacity, and answers over-limit clients 429 with the rate-limited problem', () => {
    for (const r of WAF_RATE_RULES.api)
      expect(r.limit / WAF_WINDOW_SECONDS).toBeLessThan(STAGE_THROTTLE.rateLimit / 10);
    const acl = t.props(t.stack.apiWebAcl.acl);
    const body = JSON.parse(acl.CustomResponseBodies.RateLimited.Content);
    expect(body).toMatchObject({ status: 429, type: expect.stringMatching(/rate-limited$/) });
    expect(acl.VisibilityConfig.SampledRequestsEnabled).toBe(false);
  });

  it('attaches a CLOUDFRONT web ACL with per-viewer rate rules (the API’s paths limited apart) to the distribution', () => {
    expect(t.stack.portalWebAcl).toBeDefined();
    const acl = t.props(t.stack.portalWebAcl!.acl);
    expect(acl.Scope).toBe('CLOUDFRONT');
    expect(rulesOf(acl)).toEqual(expectedRules(WAF_RATE_RULES.cloudFront));
    expect(rulesOf(acl).ApiPerViewerIp?.pathPrefix).toBe('/v1/');
    expect(dist.WebACLId).toEqual({ 'Fn::GetAtt': [t.idOf(t.stack.portalWebAcl!.acl), 'Arn'] });
  });

  it('uses a CloudFront web ACL made elsewhere (us-east-1) when given one, and makes none itself', () => {
    const arn = 'arn:aws:wafv2:us-east-1:111122223333:global/webacl/OneWindowFeesEdge-portal/0000';
    const other = synth({ cloudFrontWebAclArn: arn }, 'WithEdgeAcl');
    expect(other.stack.portalWebAcl).toBeUndefined();
    expect(other.ofType('AWS::WAFv2::WebACL').map(([, a]) => a.Properties.Scope)).toEqual(['REGIONAL']);
    expect(other.props(other.stack.distribution).DistributionConfig.WebACLId).toBe(arn);
  });

  it('refuses to synthesize a stack outside us-east-1 that would make its own CloudFront web ACL', () => {
    expect(() => synth({ env: { region: 'eu-west-1' } }, 'Elsewhere')).toThrow(
      /CloudFront web ACLs can only be created in us-east-1.*-c cloudFrontWebAclArn=/,
    );
    expect(() => synth({ env: { region: 'us-east-1' } }, 'InUsEast1')).not.toThrow();
  });
});

describe('capacity: payments cannot be starved', () => {
  it('reserves payments the concurrency to serve its whole method throttle at 60 ms a request (the capacity model)', () => {
    // 10,000 payments/s × 60 ms, read from the template (the constant is derived from the same peak)
    expect(t.props(t.stack.functions.payments).ReservedConcurrentExecutions).toBe(600);
    expect(PAYMENT_THROTTLE.rateLimit).toBe(10_000);
    // AWS keeps 100 of the default 1,000 unreserved.
    expect(PAYMENTS_RESERVED_CONCURRENCY).toBeLessThanOrEqual(900);
    const stage = t.ofType('AWS::ApiGateway::Stage')[0]![1].Properties;
    expect(stage.MethodSettings).toContainEqual(
      expect.objectContaining({
        HttpMethod: 'POST',
        ResourcePath: '/~1v1~1payments',
        ThrottlingRateLimit: PAYMENT_THROTTLE.rateLimit,
        ThrottlingBurstLimit: PAYMENT_THROTTLE.burstLimit,
      }),
    );
    expect(t.props(t.stack.functions.payments).ReservedConcurrentExecutions).toBe(PAYMENTS_RESERVED_CONCURRENCY);
    for (const [name, def] of Object.entries(functions))
      if (name !== 'payments') {
        expect(def.reservedConcurrency, name).toBeUndefined();
        expect(
          t.props(t.stack.functions[name as keyof typeof functions]).ReservedConcurrentExecutions,
          name,
        ).toBeUndefined();
      }
  });
});
