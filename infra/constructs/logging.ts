import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** How long every log group of the stack keeps its events (the template test checks each one has it). */
export const LOG_RETENTION = logs.RetentionDays.ONE_YEAR;

export function retainedLogGroup(scope: Construct, id: string, props: logs.LogGroupProps = {}): logs.LogGroup {
  return new logs.LogGroup(scope, id, { retention: LOG_RETENTION, ...props });
}

/**
 * A Lambda execution role that may write its own log group and nothing else yet: instead of the
 * AWSLambdaBasicExecutionRole managed policy, which grants CreateLogGroup, CreateLogStream and
 * PutLogEvents on every log group of the account. The log group exists before the function (the
 * stack creates it with its retention), so CreateLogGroup is not needed.
 */
export function roleWritingOnlyTo(
  scope: Construct,
  id: string,
  logGroup: logs.ILogGroup,
  description: string,
): iam.Role {
  const role = new iam.Role(scope, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description });
  role.addToPolicy(
    new iam.PolicyStatement({
      sid: 'WriteOwnLogGroupOnly',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      // The log group's Arn attribute ends in `:*`: it covers the group's streams and nothing else.
      resources: [logGroup.logGroupArn],
    }),
  );
  return role;
}
