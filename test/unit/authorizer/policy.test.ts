import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { stageWide } from '../../../functions/authorizer/domain/authorize';
import { handler } from '../../../functions/authorizer/entry/http';

/**
 * The `token` routes' authorizer is cached per Authorization header, and API Gateway applies a cached
 * policy to the next method the same token calls: the policy must allow the whole stage, or a token
 * that just called one route would get 403 on its next one (docs/adr/0002).
 */
const METHOD_ARN = 'arn:aws-cn:execute-api:cn-north-1:111122223333:abc123/prod/GET/v1/notices/N1';

describe('the authorizer’s policy', () => {
  it('allows every method of the stage the request came to', () => {
    expect(stageWide(METHOD_ARN)).toBe('arn:aws-cn:execute-api:cn-north-1:111122223333:abc123/prod/*');
    expect(stageWide('arn:aws:execute-api:us-east-1:1:api/prod/POST/v1/payments')).toBe(
      'arn:aws:execute-api:us-east-1:1:api/prod/*',
    );
  });

  it('keeps something that is not an execute-api method ARN as it is (the narrowest policy)', () => {
    for (const odd of ['abc123/prod', 'arn:aws:execute-api:us-east-1:1:api', 'arn:aws:s3:::bucket/prod/GET/x'])
      expect(stageWide(odd)).toBe(odd);
  });

  it('is what the handler returns, with the principal as context', async () => {
    const event = {
      type: 'REQUEST',
      methodArn: METHOD_ARN,
      resource: '/v1/notices/{noticeNo}',
      httpMethod: 'GET',
      headers: {},
    } as unknown as APIGatewayRequestAuthorizerEvent;
    const result = await handler(event);
    expect(result.policyDocument.Statement).toEqual([
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: 'arn:aws-cn:execute-api:cn-north-1:111122223333:abc123/prod/*',
      },
    ]);
    expect(result.context).toMatchObject({ role: 'anonymous' });
  });
});
