import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import { TABLE_NAMES, tables } from '../../schemas/tables';
import { functions, type FunctionName } from '../functions';
import type { OneWindowStack } from '../stack';
import { FIVE_MINUTES, sumOfFilled, type AlarmTopic } from './alarms';
import { WAF_RATE_RULES } from './waf';

/** Namespace of the metrics the stack derives from its own logs. */
export const METRICS_NAMESPACE = 'OneWindowFees';

/**
 * What pages someone, with the thresholds below. Values are where an operator must look, not
 * where something is already broken: tune them from a few weeks of the dashboards' data.
 */
export const ALARM_THRESHOLDS = {
  /** The aggregator is this far behind the Payments stream for 15 minutes (the stream keeps 24 h). */
  iteratorAgeMs: 10 * 60 * 1000,
  /** DynamoDB throttled requests on one table in 5 minutes (on-demand tables: a hot key or a sudden 2× surge). */
  tableThrottles: 1,
  /**
   * Transaction conflicts on one table in 5 minutes, twice in a row. Payments and the aggregator retry
   * conflicts (ADR 0004), so a few are normal; a sustained rate means hot items.
   */
  transactionConflicts: 25,
  /** Signing calls KMS refused for rate, after the SDK's retries, in 5 minutes (any is a failed request). */
  kmsThrottles: 1,
  /** Share of requests answered 4xx, in percent, for 15 minutes, when there are at least 100 a period. */
  clientErrorPercent: 25,
  /** Requests answered 429 (stage or usage-plan throttle, WAF, a function's own limits) in 5 minutes. */
  tooManyRequests: 100,
} as const;

/** DynamoDB operations whose throttles count (ThrottledRequests has one series per operation). */
export const THROTTLE_OPERATIONS = [
  'GetItem',
  'BatchGetItem',
  'Query',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
] as const;

/** The text of the error KMS returns when it throttles (KMS developer guide, "Throttling AWS KMS requests"). */
export const KMS_THROTTLE_TEXT = 'rate at which you may call KMS';

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Every alarm of the stack, each notifying the alarm topic. */
export function addAlarms(stack: OneWindowStack, topic: AlarmTopic): void {
  const alarm = topic.alarm.bind(topic, stack);
  const fn = stack.functions;

  for (const name of Object.keys(functions) as FunctionName[]) {
    const f = fn[name];
    alarm(
      `${pascal(name)}Errors`,
      f.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
      `${name}: invocation errors`,
    );
    alarm(
      `${pascal(name)}Throttles`,
      f.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
      `${name}: throttled invocations`,
    );
  }

  alarm(
    'AggregatorIteratorAge',
    fn.aggregator.metric('IteratorAge', { period: FIVE_MINUTES, statistic: 'Maximum' }),
    'aggregator: behind the Payments stream (open data goes stale; records older than a day go to the DLQ)',
    { threshold: ALARM_THRESHOLDS.iteratorAgeMs, evaluationPeriods: 3 },
  );
  alarm(
    'AggregatorDlqMessages',
    stack.aggregatorDlq.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
    'Payments stream batches the aggregator gave up on',
  );

  for (const name of TABLE_NAMES) {
    const table = stack.tables[name];
    const perOperation = Object.fromEntries(
      THROTTLE_OPERATIONS.map((op) => [
        op.toLowerCase(),
        new cloudwatch.Metric({
          namespace: 'AWS/DynamoDB',
          metricName: 'ThrottledRequests',
          dimensionsMap: { TableName: table.tableName, Operation: op },
          statistic: 'Sum',
          period: FIVE_MINUTES,
        }),
      ]),
    );
    alarm(
      `${name}TableThrottles`,
      sumOfFilled(perOperation, `${name}: throttled requests`),
      `${name} table: throttled requests${tables[name].indexes.length ? ' (its indexes included)' : ''}`,
      { threshold: ALARM_THRESHOLDS.tableThrottles },
    );
    alarm(
      `${name}TableTransactionConflicts`,
      new cloudwatch.Metric({
        namespace: 'AWS/DynamoDB',
        metricName: 'TransactionConflict',
        dimensionsMap: { TableName: table.tableName },
        statistic: 'Sum',
        period: FIVE_MINUTES,
      }),
      `${name} table: transactions cancelled by conflicts with other transactions`,
      { threshold: ALARM_THRESHOLDS.transactionConflicts, evaluationPeriods: 2 },
    );
  }

  // KMS publishes no per-key throttle metric; a throttled Sign or GetPublicKey that outlasts the SDK's
  // retries fails the request, and the function logs the error's text.
  const kmsThrottles = new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: 'SigningKeyThrottles',
    statistic: 'Sum',
    period: FIVE_MINUTES,
  });
  for (const name of Object.keys(functions) as FunctionName[])
    if (functions[name].keys)
      new logs.MetricFilter(stack, `${pascal(name)}KmsThrottleFilter`, {
        logGroup: stack.logGroups[name],
        filterPattern: logs.FilterPattern.literal(`"${KMS_THROTTLE_TEXT}"`),
        metricNamespace: METRICS_NAMESPACE,
        metricName: kmsThrottles.metricName,
        metricValue: '1',
      });
  alarm('SigningKeyThrottles', kmsThrottles, 'Signing key: KMS throttled signing or key reads (requests failed)', {
    threshold: ALARM_THRESHOLDS.kmsThrottles,
  });

  alarm(
    'Api5xx',
    stack.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
    'API: 5xx responses (no input may cause one)',
  );
  alarm(
    'Api4xxSurge',
    new cloudwatch.MathExpression({
      expression: 'IF(requests >= 100, 100 * clientErrors / requests, 0)',
      usingMetrics: {
        requests: stack.api.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' }),
        clientErrors: stack.api.metricClientError({ period: FIVE_MINUTES, statistic: 'Sum' }),
      },
      label: 'API: % of requests answered 4xx',
      period: FIVE_MINUTES,
    }),
    'API: a surge of 4xx answers (clients broken by a change, or someone probing)',
    { threshold: ALARM_THRESHOLDS.clientErrorPercent, evaluationPeriods: 3 },
  );
  // API Gateway has no 429 metric: count the access log's lines with status 429.
  const tooMany = new logs.MetricFilter(stack, 'Api429Filter', {
    logGroup: stack.accessLogGroup,
    filterPattern: logs.FilterPattern.stringValue('$.status', '=', '429'),
    metricNamespace: METRICS_NAMESPACE,
    metricName: 'Api429',
    metricValue: '1',
  });
  alarm(
    'Api429Surge',
    tooMany.metric({ period: FIVE_MINUTES, statistic: 'Sum' }),
    'API: a surge of 429 answers (a client over its limits, or limits too low for real traffic)',
    { threshold: ALARM_THRESHOLDS.tooManyRequests },
  );
  for (const rule of WAF_RATE_RULES.api)
    alarm(
      `ApiWaf${rule.name}Blocks`,
      new cloudwatch.Metric({
        namespace: 'AWS/WAFV2',
        metricName: 'BlockedRequests',
        dimensionsMap: { WebACL: stack.apiWebAcl.acl.name!, Region: stack.region, Rule: rule.name },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      `API web ACL: requests blocked by ${rule.name} (one client over ${rule.limit} requests per 5 minutes)`,
      { threshold: ALARM_THRESHOLDS.tooManyRequests },
    );
}
