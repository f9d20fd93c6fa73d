import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { DomainError, problemOf } from '../../functions/shared/domain/errors';

/**
 * Per-client rate limits in AWS WAF, in front of the API stage (REGIONAL) and of the CloudFront
 * distribution (CLOUDFRONT, which AWS only accepts in us-east-1). A client over its limit gets 429
 * with the API's rate-limited problem body until its rate falls, so one client cannot use up the
 * stage's throttle (500 rps) for everyone.
 *
 * Limits are requests per client IP per 5-minute window (WAF counts over a sliding window and
 * reacts within about a minute). Through CloudFront the stage sees CloudFront's addresses, not the
 * viewer's: the per-viewer limits are the CloudFront ones, and the stage's limit is set high enough
 * for one CloudFront address carrying many viewers while still far below the stage's capacity.
 */
export interface RateRule {
  name: string;
  /** Requests per client IP per 5 minutes. */
  limit: number;
  /** Only requests whose path starts with this count (and are limited). */
  pathPrefix?: string;
}

export const WAF_WINDOW_SECONDS = 300;

export const WAF_RATE_RULES = {
  /** Direct callers of the stage, and each CloudFront address: 20 rps sustained, 4 % of the stage. */
  api: [{ name: 'PerClientIp', limit: 6000 }],
  /**
   * Per viewer: 10 rps sustained on the API (a service centre's windows behind one NAT address stay
   * well under it), 20 rps on everything (a portal page loads a handful of files).
   */
  cloudFront: [
    { name: 'ApiPerViewerIp', limit: 3000, pathPrefix: '/v1/' },
    { name: 'PerViewerIp', limit: 6000 },
  ],
} satisfies Record<string, RateRule[]>;

/** How long a blocked client is told to wait: WAF lifts the block once its windowed rate falls. */
export const WAF_RETRY_AFTER_SECONDS = 60;

const RATE_LIMITED_BODY = 'RateLimited';

export interface RateLimitedWebAclProps {
  scope: 'REGIONAL' | 'CLOUDFRONT';
  /** The web ACL's name (also its metrics' WebACL dimension). */
  name: string;
  rules: readonly RateRule[];
}

export class RateLimitedWebAcl extends Construct {
  readonly acl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: RateLimitedWebAclProps) {
    super(scope, id);
    this.acl = new wafv2.CfnWebACL(this, 'Acl', {
      name: props.name,
      scope: props.scope,
      description: 'Per-client rate limits, see infra/constructs/waf.ts',
      defaultAction: { allow: {} },
      customResponseBodies: {
        [RATE_LIMITED_BODY]: {
          // WAF offers no problem+json; the body is the API's own rate-limited problem document.
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({ ...problemOf(new DomainError('rate-limited')), status: 429 }),
        },
      },
      // No sampled requests: they keep callers' addresses and headers, which the project keeps out of logs.
      visibilityConfig: visibility(props.name),
      rules: props.rules.map((r, priority) => ({
        name: r.name,
        priority,
        statement: {
          rateBasedStatement: {
            limit: r.limit,
            evaluationWindowSec: WAF_WINDOW_SECONDS,
            aggregateKeyType: 'IP',
            ...(r.pathPrefix ? { scopeDownStatement: pathStartsWith(r.pathPrefix) } : {}),
          },
        },
        action: {
          block: {
            customResponse: {
              responseCode: 429,
              customResponseBodyKey: RATE_LIMITED_BODY,
              responseHeaders: [{ name: 'Retry-After', value: String(WAF_RETRY_AFTER_SECONDS) }],
            },
          },
        },
        visibilityConfig: visibility(r.name),
      })),
    });
  }

  get arn(): string {
    return this.acl.attrArn;
  }
}

const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
  metricName,
  cloudWatchMetricsEnabled: true,
  sampledRequestsEnabled: false,
});

const pathStartsWith = (prefix: string): wafv2.CfnWebACL.StatementProperty => ({
  byteMatchStatement: {
    fieldToMatch: { uriPath: {} },
    positionalConstraint: 'STARTS_WITH',
    searchString: prefix,
    textTransformations: [{ priority: 0, type: 'NONE' }],
  },
});
