import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { FIVE_MINUTES, type AlarmTopic } from './alarms';

/** How often SQS hands a delivery message to the dispatcher before it goes to the dead-letter queue. */
export const WEBHOOK_MAX_RECEIVES = 5;
/** A delivery message visible and not taken this long means the dispatcher is not keeping up. */
export const WEBHOOK_QUEUE_AGE_ALARM_SECONDS = 15 * 60;

export interface WebhookDeliveryProps {
  functions: { webhooks: NodejsFunction; webhookSource: NodejsFunction; webhookDispatcher: NodejsFunction };
  payments: dynamodb.Table;
  webhooks: dynamodb.Table;
}

const acknowledge = (scope: Construct, rules: { id: string; reason: string }[]) =>
  Validations.of(scope).acknowledge(...rules);

/**
 * Webhook delivery (docs/adr/0016): the Payments stream and the Webhooks outbox stream feed the
 * webhook source, which stores each delivery and queues it on SQS; the dispatcher consumes the queue
 * (partial batch responses), one signed POST per message, and queues the next attempt itself with a
 * delay (SQS delays at most 15 minutes, so a longer wait is several hops). A message the dispatcher
 * cannot even record goes to the dead-letter queue after WEBHOOK_MAX_RECEIVES receipts; stream
 * batches the source gives up on go to their own dead-letter queue. Both, and a queue that ages, alarm.
 */
export class WebhookDelivery extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetters: sqs.Queue;
  readonly sourceDeadLetters: sqs.Queue;
  readonly secretKey: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: WebhookDeliveryProps) {
    super(scope, id);
    const { webhooks, webhookSource, webhookDispatcher } = props.functions;
    const dlq = (name: string) =>
      new sqs.Queue(this, name, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
    // cdk-nag sees that this one is the delivery queue's redrive target.
    this.deadLetters = dlq('DeliveryDlq');
    this.sourceDeadLetters = dlq('SourceDlq');
    acknowledge(this.sourceDeadLetters, [
      {
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself the on-failure destination (DLQ) of the webhook source’s stream mappings.',
      },
    ]);
    this.queue = new sqs.Queue(this, 'Deliveries', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the dispatcher's timeout, as Lambda's SQS event source asks.
      visibilityTimeout: Duration.seconds(6 * (webhookDispatcher.timeout?.toSeconds() ?? 30)),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: WEBHOOK_MAX_RECEIVES },
    });
    for (const f of [webhooks, webhookSource, webhookDispatcher]) {
      this.queue.grantSendMessages(f);
      f.addEnvironment('WEBHOOK_QUEUE_URL', this.queue.queueUrl);
    }

    webhookDispatcher.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 20 }),
    );
    const streamOptions = {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      retryAttempts: 10,
      bisectBatchOnError: true,
      maxRecordAge: Duration.days(1),
      onFailure: new SqsDlq(this.sourceDeadLetters),
    };
    // Only new payments and refunds, and new outbox items, invoke the source (not delivery updates).
    const inserts = (...recordTypes: string[]) =>
      lambda.FilterCriteria.filter({
        eventName: lambda.FilterRule.isEqual('INSERT'),
        dynamodb: { NewImage: { recordType: { S: lambda.FilterRule.or(...recordTypes) } } },
      });
    webhookSource.addEventSource(
      new DynamoEventSource(props.payments, { ...streamOptions, filters: [inserts('payment', 'refund')] }),
    );
    webhookSource.addEventSource(
      new DynamoEventSource(props.webhooks, { ...streamOptions, filters: [inserts('notice-cancelled')] }),
    );
    acknowledge(webhookSource.role!, [
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'DynamoEventSource grants dynamodb:ListStreams on "*" (stream discovery: returns stream ARNs, no data); reading records is granted on the Payments and Webhooks stream ARNs only.',
      },
    ]);

    // Seals endpoint signing secrets at rest (functions/webhooks/adapters/secretBox.ts).
    this.secretKey = new secretsmanager.Secret(this, 'SecretKey', {
      description: 'AES key material that seals webhook signing secrets in the Webhooks table',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      // Without it, registered endpoints can no longer be signed for: never deleted with the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(this.secretKey, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Rotating it would make every sealed endpoint secret unreadable; a new key needs a re-seal of the stored secrets (ADR 0016), not a rotation Lambda.',
      },
    ]);
    for (const f of [webhooks, webhookDispatcher])
      f.addEnvironment('WEBHOOK_SECRET_KEY', this.secretKey.secretValue.unsafeUnwrap());
  }

  addAlarms(scope: Construct, topic: AlarmTopic, source: NodejsFunction): void {
    const alarm = topic.alarm.bind(topic, scope);
    alarm(
      'WebhookDeliveryDlqMessages',
      this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      'webhook deliveries the dispatcher could not record (DynamoDB or the queue failing): see the delivery log',
    );
    alarm(
      'WebhookSourceDlqMessages',
      this.sourceDeadLetters.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      'Payments or outbox stream batches the webhook source gave up on: events not delivered',
    );
    alarm(
      'WebhookQueueAge',
      this.queue.metricApproximateAgeOfOldestMessage({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      'webhook deliveries waiting in the queue: the dispatcher is not keeping up',
      { threshold: WEBHOOK_QUEUE_AGE_ALARM_SECONDS },
    );
    alarm(
      'WebhookSourceIteratorAge',
      source.metric('IteratorAge', { period: FIVE_MINUTES, statistic: 'Maximum' }),
      'webhook source: behind the Payments stream (department systems hear late)',
      { threshold: 10 * 60 * 1000, evaluationPeriods: 3 },
    );
  }
}
