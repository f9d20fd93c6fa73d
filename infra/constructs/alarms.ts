import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

const CLOUDWATCH = new iam.ServicePrincipal('cloudwatch.amazonaws.com');

export interface AlarmOptions {
  /** Default 1: any occurrence. */
  threshold?: number;
  /** Periods (of the metric's period) that must breach before the alarm fires; default 1. */
  evaluationPeriods?: number;
}

/**
 * Where alarms go: an SNS topic CloudWatch can actually publish to, with a subscriber.
 *
 * - Encrypted with a customer-managed key whose policy lets CloudWatch use it: CloudWatch cannot use
 *   the AWS-managed `alias/aws/sns` key, so alarms on a topic encrypted with it never arrive.
 * - The topic policy allows CloudWatch alarms of this account to publish (besides denying non-TLS).
 * - The e-mail address is required at synth (infra/settings.ts), so a deployed stack always has a
 *   subscriber; it receives a confirmation message once.
 */
export class AlarmTopic extends Construct {
  readonly key: kms.Key;
  readonly topic: sns.Topic;
  private readonly action: cwActions.SnsAction;

  constructor(scope: Construct, id: string, props: { email: string }) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the alarm topic; CloudWatch may use it to publish alarms',
      enableKeyRotation: true,
    });
    // What CloudWatch needs to publish to an encrypted topic (CloudWatch user guide, "alarm actions").
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToTheEncryptedTopic',
        principals: [CLOUDWATCH],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'one-window alarms',
      enforceSSL: true,
      masterKey: this.key,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccountPublish',
        principals: [CLOUDWATCH],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    );
    this.topic.addSubscription(new subs.EmailSubscription(props.email));
    this.action = new cwActions.SnsAction(this.topic);
  }

  /** An alarm in `scope` that fires at `threshold` or more and notifies the topic; missing data is fine. */
  alarm(
    scope: Construct,
    id: string,
    metric: cloudwatch.IMetric,
    description: string,
    opts: AlarmOptions = {},
  ): cloudwatch.Alarm {
    const a = new cloudwatch.Alarm(scope, id, {
      metric,
      threshold: opts.threshold ?? 1,
      evaluationPeriods: opts.evaluationPeriods ?? 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    a.addAlarmAction(this.action);
    return a;
  }
}

export const FIVE_MINUTES = Duration.minutes(5);

/** Sum of per-operation metrics, each filled with 0 where it has no data (sparse metrics would otherwise blank the sum). */
export function sumOfFilled(metrics: Record<string, cloudwatch.IMetric>, label: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: Object.keys(metrics)
      .map((k) => `FILL(${k}, 0)`)
      .join(' + '),
    usingMetrics: metrics,
    label,
    period: FIVE_MINUTES,
  });
}
