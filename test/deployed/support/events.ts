import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent, S3Event, ScheduledEvent } from 'aws-lambda';
import { DEPLOYMENT, type Json, type ResolvedTemplate } from './template';

/**
 * The events the template's triggers deliver, each found from the template (which function the
 * trigger names, and with what settings) and shaped as the AWS service sends it.
 */

/**
 * The function ARN a trigger names, and the trigger's resource, for the one trigger of a type (of
 * the rules, the one whose first target is `ruleTarget`, when the template has several).
 */
export function triggerOf(
  template: ResolvedTemplate,
  type: 'AWS::Lambda::EventSourceMapping' | 'AWS::Events::Rule' | 'Custom::S3BucketNotifications',
  ruleTarget?: string,
): { functionArn: string; logicalId: string; properties: Json } {
  const found = template
    .ofType(type)
    .filter(([, r]) => !ruleTarget || template.resolveString((r.Properties as Json).Targets[0].Arn) === ruleTarget);
  if (found.length !== 1) throw new Error(`expected one ${type} in the template, found ${found.length}`);
  const [logicalId, r] = found[0]!;
  const p = r.Properties as Json;
  const target =
    type === 'AWS::Lambda::EventSourceMapping'
      ? `arn:${DEPLOYMENT.partition}:lambda:${DEPLOYMENT.region}:${DEPLOYMENT.accountId}:function:${template.resolveString(p.FunctionName)}`
      : type === 'AWS::Events::Rule'
        ? template.resolveString(p.Targets[0].Arn)
        : template.resolveString(p.NotificationConfiguration.LambdaFunctionConfigurations[0].LambdaFunctionArn);
  return { functionArn: target, logicalId, properties: p };
}

/**
 * A batch as the event source mapping delivers it: the table's real stream records, read from
 * DynamoDB Local from the trim horizon, at most the mapping's BatchSize.
 */
export async function streamBatch(
  template: ResolvedTemplate,
  mapping: Json,
  clients: { dynamodb: DynamoDBClient; streams: DynamoDBStreamsClient },
): Promise<DynamoDBStreamEvent> {
  const source = mapping.EventSourceArn as Json;
  const [tableLogicalId, attribute] = source['Fn::GetAtt'] as [string, string];
  if (attribute !== 'StreamArn') throw new Error('the mapping does not read a DynamoDB stream');
  const table = template.physicalName(tableLogicalId);
  const described = await clients.dynamodb.send(new DescribeTableCommand({ TableName: table }));
  const streamArn = described.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${table} has no stream`);
  const { StreamDescription } = await clients.streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const records: DynamoDBRecord[] = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    const { ShardIterator } = await clients.streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.ShardId,
        ShardIteratorType: mapping.StartingPosition ?? 'TRIM_HORIZON',
      }),
    );
    const page = await clients.streams.send(new GetRecordsCommand({ ShardIterator, Limit: mapping.BatchSize ?? 100 }));
    for (const r of page.Records ?? [])
      records.push({
        eventID: r.eventID,
        eventName: r.eventName as DynamoDBRecord['eventName'],
        eventVersion: r.eventVersion ?? '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: DEPLOYMENT.region,
        eventSourceARN: template.getAtt(tableLogicalId, 'StreamArn'),
        dynamodb: {
          ...(r.dynamodb as NonNullable<DynamoDBRecord['dynamodb']>),
          // Lambda sends epoch seconds; the SDK parsed the emulator's value into a Date.
          ApproximateCreationDateTime: r.dynamodb?.ApproximateCreationDateTime
            ? Math.floor(r.dynamodb.ApproximateCreationDateTime.getTime() / 1000)
            : undefined,
        },
      });
  }
  return { Records: records.slice(0, mapping.BatchSize ?? 100) };
}

/** What an EventBridge schedule rule sends its target: the target's fixed Input if it has one. */
export function scheduledEvent(template: ResolvedTemplate, ruleLogicalId: string): ScheduledEvent | unknown {
  const target = template.resource(ruleLogicalId).Properties.Targets[0] as Json;
  if (target.InputPath || target.InputTransformer)
    throw new Error('rule target input paths and transformers are not emulated');
  if (target.Input !== undefined) return JSON.parse(template.resolveString(target.Input));
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: DEPLOYMENT.accountId,
    time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    region: DEPLOYMENT.region,
    resources: [template.getAtt(ruleLogicalId, 'Arn')],
    detail: {},
  };
}

/** What S3 sends for an ObjectCreated:Put, the key URL-encoded as S3 encodes it. */
export function objectCreatedEvent(bucket: string, key: string, object: { eTag: string; size: number }): S3Event {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: DEPLOYMENT.region,
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
        requestParameters: { sourceIPAddress: '203.0.113.9' },
        responseElements: { 'x-amz-request-id': 'EXAMPLE123456789', 'x-amz-id-2': 'EXAMPLE/abcdefgh' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'statements',
          bucket: {
            name: bucket,
            ownerIdentity: { principalId: 'EXAMPLE' },
            arn: `arn:${DEPLOYMENT.partition}:s3:::${bucket}`,
          },
          object: {
            key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'),
            size: object.size,
            eTag: object.eTag,
            sequencer: '0A1B2C3D4E5F678901',
          },
        },
      },
    ],
  };
}
