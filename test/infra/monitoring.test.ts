import { beforeAll, describe, expect, it } from 'vitest';
import {
  ALARM_THRESHOLDS,
  KMS_THROTTLE_TEXT,
  METRICS_NAMESPACE,
  THROTTLE_OPERATIONS,
} from '../../infra/constructs/monitoring';
import { WAF_RATE_RULES } from '../../infra/constructs/waf';
import { functions, type FunctionName } from '../../infra/functions';
import { TABLE_NAMES } from '../../schemas/tables';
import { asArray, EXAMPLE_SETTINGS, FN_NAMES, type Json, synth, type Synthesized } from './template';

/** Alarms that reach someone, the alarms the issue asked for, and retention on every log group. */
let t: Synthesized;
let alarms: Json[];
beforeAll(() => {
  t = synth();
  alarms = t.ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
});

const topicRef = () => ({ Ref: t.idOf(t.stack.alarmTopic.topic) });
/** Metrics of an alarm, whether it watches one metric or a math expression over several. */
const metricsOf = (a: Json): Json[] =>
  a.Metrics
    ? (a.Metrics as Json[])
        .filter((m) => m.MetricStat)
        .map((m) => ({ ...m.MetricStat.Metric, Stat: m.MetricStat.Stat }))
    : [{ Namespace: a.Namespace, MetricName: a.MetricName, Dimensions: a.Dimensions, Stat: a.Statistic }];
const dims = (m: Json) => Object.fromEntries(asArray<Json>(m.Dimensions).map((d) => [d.Name, d.Value]));

describe('alarms can notify', () => {
  it('encrypts the topic with a customer-managed, rotated key that CloudWatch may use', () => {
    const topic = t.props(t.stack.alarmTopic.topic);
    const keyId = t.idOf(t.stack.alarmTopic.key);
    expect(topic.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    const key = t.resources[keyId]!.Properties;
    expect(key.EnableKeyRotation).toBe(true);
    expect(key.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
  });

  it('lets CloudWatch alarms of this account publish to the topic, and still refuses publishing without TLS', () => {
    const [policy] = t
      .ofType('AWS::SNS::TopicPolicy')
      .filter(([, p]) => JSON.stringify(p.Properties.Topics) === JSON.stringify([topicRef()]));
    const statements = policy![1].Properties.PolicyDocument.Statement as Json[];
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'sns:Publish',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    const allow = statements.find((s) => s.Effect === 'Allow')!;
    expect(allow).toMatchObject({
      Action: 'sns:Publish',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Resource: topicRef(),
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
    expect(JSON.stringify(allow.Condition.ArnLike['aws:SourceArn'])).toContain(':alarm:*');
  });

  it('always has a subscriber: the required alarm e-mail', () => {
    const subs = t.ofType('AWS::SNS::Subscription').map(([, s]) => s.Properties);
    expect(subs).toEqual([{ Protocol: 'email', Endpoint: EXAMPLE_SETTINGS.alarmEmail, TopicArn: topicRef() }]);
    expect(() => synth({ alarmEmail: '' }, 'NoEmail')).toThrow(/alarmEmail/);
  });

  it('sends every alarm to the topic', () => {
    expect(alarms.length).toBeGreaterThan(0);
    for (const a of alarms) expect(a.AlarmActions, a.AlarmDescription).toEqual([topicRef()]);
  });
});

describe('alarms the deployed system needs', () => {
  const find = (pred: (m: Json, a: Json) => boolean) => alarms.filter((a) => metricsOf(a).some((m) => pred(m, a)));

  it('on the aggregator’s iterator age on the Payments stream', () => {
    const [a, ...more] = find(
      (m) => m.MetricName === 'IteratorAge' && dims(m).FunctionName?.Ref === t.idOf(t.stack.functions.aggregator),
    );
    expect(more).toEqual([]);
    expect(a).toMatchObject({ Statistic: 'Maximum', Threshold: ALARM_THRESHOLDS.iteratorAgeMs });
  });

  it.each(TABLE_NAMES)('on %s: throttled requests of every operation, and transaction conflicts', (table) => {
    const ref = { Ref: t.idOf(t.stack.tables[table]) };
    const throttles = find(
      (m) => m.MetricName === 'ThrottledRequests' && JSON.stringify(dims(m).TableName) === JSON.stringify(ref),
    );
    expect(throttles).toHaveLength(1);
    const ops = metricsOf(throttles[0]!).map((m) => dims(m).Operation);
    expect([...ops].sort()).toEqual([...THROTTLE_OPERATIONS].sort());
    // Sparse per-operation series are filled with 0, or one operation without data would blank the sum.
    const expression = (throttles[0]!.Metrics as Json[]).find((m) => m.Expression)!.Expression as string;
    expect(expression.split(' + ').every((term) => /^FILL\(\w+, 0\)$/.test(term))).toBe(true);
    const conflicts = find(
      (m) => m.MetricName === 'TransactionConflict' && JSON.stringify(dims(m).TableName) === JSON.stringify(ref),
    );
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]!.Threshold).toBe(ALARM_THRESHOLDS.transactionConflicts);
  });

  it('on KMS throttling the signing keys: a metric filter on the log group of every function that uses one', () => {
    const users = FN_NAMES.filter((n) => functions[n].keys);
    expect(users.sort()).toEqual(['finance', 'ledger', 'orderSweep', 'orders', 'payments']);
    const filters = t.ofType('AWS::Logs::MetricFilter').map(([, f]) => f.Properties);
    const kms = filters.filter((f) => f.MetricTransformations[0].MetricName === 'SigningKeyThrottles');
    expect(kms.map((f) => f.LogGroupName.Ref).sort()).toEqual(
      users.map((n) => t.idOf(t.stack.logGroups[n as FunctionName])).sort(),
    );
    for (const f of kms) {
      expect(f.FilterPattern).toBe(`"${KMS_THROTTLE_TEXT}"`);
      expect(f.MetricTransformations[0].MetricNamespace).toBe(METRICS_NAMESPACE);
    }
    expect(find((m) => m.Namespace === METRICS_NAMESPACE && m.MetricName === 'SigningKeyThrottles')).toHaveLength(1);
  });

  it('on API 5xx, a 4xx surge (share of requests) and a 429 surge (counted from the access log)', () => {
    expect(find((m) => m.MetricName === '5XXError' && m.Namespace === 'AWS/ApiGateway')).toHaveLength(1);
    const surge = find((m) => m.MetricName === '4XXError' && m.Namespace === 'AWS/ApiGateway');
    expect(surge).toHaveLength(1);
    expect(
      metricsOf(surge[0]!)
        .map((m) => m.MetricName)
        .sort(),
    ).toEqual(['4XXError', 'Count']);
    expect(surge[0]!.Threshold).toBe(ALARM_THRESHOLDS.clientErrorPercent);
    const [filter] = t
      .ofType('AWS::Logs::MetricFilter')
      .filter(([, f]) => f.Properties.MetricTransformations[0].MetricName === 'Api429');
    expect(filter![1].Properties.LogGroupName).toEqual({ Ref: t.idOf(t.stack.accessLogGroup) });
    expect(filter![1].Properties.FilterPattern).toBe('{ $.status = "429" }');
    const tooMany = find((m) => m.Namespace === METRICS_NAMESPACE && m.MetricName === 'Api429');
    expect(tooMany).toHaveLength(1);
    expect(tooMany[0]!.Threshold).toBe(ALARM_THRESHOLDS.tooManyRequests);
  });

  it('on requests the API web ACL blocks, per rate rule', () => {
    for (const rule of WAF_RATE_RULES.api) {
      const blocks = find((m) => m.Namespace === 'AWS/WAFV2' && dims(m).Rule === rule.name);
      expect(blocks, rule.name).toHaveLength(1);
      expect(dims(metricsOf(blocks[0]!)[0]!).WebACL).toBe(t.stack.apiWebAcl.acl.name);
    }
  });
});

describe('log retention', () => {
  it('gives every log group in the template a retention', () => {
    const groups = t.ofType('AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThanOrEqual(FN_NAMES.length + 2);
    for (const [id, g] of groups) expect(g.Properties.RetentionInDays, id).toBe(365);
  });

  it('sends every Lambda function’s logs, the CDK helpers’ included, to a log group of the template', () => {
    const fns = t.ofType('AWS::Lambda::Function');
    expect(fns.length).toBeGreaterThan(FN_NAMES.length);
    for (const [id, f] of fns) {
      const group = f.Properties.LoggingConfig?.LogGroup?.Ref as string | undefined;
      expect(group, `${id} logs to an unmanaged /aws/lambda group (no retention)`).toBeDefined();
      expect(t.resources[group!]?.Type, id).toBe('AWS::Logs::LogGroup');
    }
  });

  it('creates API Gateway’s execution log group itself, before the stage can write to it', () => {
    const exec = t
      .ofType('AWS::Logs::LogGroup')
      .find(([, g]) => JSON.stringify(g.Properties.LogGroupName ?? '').includes('API-Gateway-Execution-Logs_'));
    expect(exec).toBeDefined();
    expect(JSON.stringify(exec![1].Properties.LogGroupName)).toContain(`{"Ref":"${t.idOf(t.stack.api)}"},"/prod"`);
    const [[, stage]] = t.ofType('AWS::ApiGateway::Stage') as [[string, Json]];
    expect(asArray(stage.DependsOn)).toContain(exec![0]);
  });
});
