import { randomBytes, randomUUID } from 'node:crypto';

/**
 * What CloudFormation would turn a synthesized template's values into: `Ref`, `Fn::GetAtt`,
 * `Fn::Join`, `Fn::Sub`, `Fn::Select` and `Fn::Split` resolved against physical ids shaped like the
 * ones CloudFormation generates (`<stack>-<logicalId>-<suffix>` unless the template names the
 * resource). A reference to a resource type this file does not know fails with its name, so an
 * environment variable pointing at something new is noticed rather than guessed.
 */
export type Json = Record<string, any>;

export const DEPLOYMENT = {
  region: 'cn-north-1',
  partition: 'aws-cn',
  accountId: '123456789012',
  urlSuffix: 'amazonaws.com.cn',
} as const;

const arn = (service: string, resource: string, opts: { region?: string; account?: string } = {}) =>
  `arn:${DEPLOYMENT.partition}:${service}:${opts.region ?? DEPLOYMENT.region}:${opts.account ?? DEPLOYMENT.accountId}:${resource}`;

/** Names the template gives explicitly, per resource type. */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::Events::Rule': 'Name',
  'AWS::IAM::Role': 'RoleName',
  'AWS::ApiGateway::Stage': 'StageName',
  'AWS::Logs::LogGroup': 'LogGroupName',
};

export class ResolvedTemplate {
  readonly resources: Record<string, Json>;
  private readonly suffix = randomBytes(4).toString('hex').toUpperCase();
  private readonly ids = new Map<string, string>();

  constructor(
    readonly stackName: string,
    template: Json,
  ) {
    this.resources = template.Resources as Record<string, Json>;
  }

  resource(logicalId: string): Json {
    const r = this.resources[logicalId];
    if (!r) throw new Error(`The template has no resource ${logicalId}`);
    return r;
  }

  ofType(type: string): [string, Json][] {
    return Object.entries(this.resources).filter(([, r]) => r.Type === type);
  }

  /** The physical id CloudFormation would give the resource (what `Ref` returns for most types). */
  physicalName(logicalId: string): string {
    const r = this.resource(logicalId);
    const explicit = NAME_PROPERTY[r.Type] && r.Properties?.[NAME_PROPERTY[r.Type]!];
    if (explicit !== undefined) return this.resolve(explicit) as string;
    let id = this.ids.get(logicalId);
    if (!id) {
      const generated = `${this.stackName}-${logicalId}-${this.suffix}`;
      id = r.Type === 'AWS::S3::Bucket' ? generated.toLowerCase().slice(0, 63) : generated;
      if (r.Type.startsWith('AWS::ApiGateway::') || r.Type === 'AWS::CloudFront::Distribution')
        id = randomBytes(5).toString('hex');
      if (r.Type === 'AWS::KMS::Key') id = randomUUID();
      this.ids.set(logicalId, id);
    }
    return id;
  }

  ref(logicalId: string): string {
    switch (logicalId) {
      case 'AWS::Region':
        return DEPLOYMENT.region;
      case 'AWS::Partition':
        return DEPLOYMENT.partition;
      case 'AWS::AccountId':
        return DEPLOYMENT.accountId;
      case 'AWS::URLSuffix':
        return DEPLOYMENT.urlSuffix;
      case 'AWS::StackName':
        return this.stackName;
    }
    const type = this.resource(logicalId).Type as string;
    const name = this.physicalName(logicalId);
    switch (type) {
      case 'AWS::SNS::Topic':
        return arn('sns', name);
      case 'AWS::SQS::Queue':
        return `https://sqs.${DEPLOYMENT.region}.${DEPLOYMENT.urlSuffix}/${DEPLOYMENT.accountId}/${name}`;
      case 'AWS::DynamoDB::Table':
      case 'AWS::Lambda::Function':
      case 'AWS::S3::Bucket':
      case 'AWS::KMS::Key':
      case 'AWS::Events::Rule':
      case 'AWS::IAM::Role':
      case 'AWS::ApiGateway::RestApi':
      case 'AWS::ApiGateway::Resource':
      case 'AWS::ApiGateway::UsagePlan':
      case 'AWS::ApiGateway::Stage':
      case 'AWS::ApiGateway::Deployment':
      case 'AWS::ApiGateway::Authorizer':
      case 'AWS::CloudFront::Distribution':
      case 'AWS::Logs::LogGroup':
        return name;
    }
    throw new Error(`test/deployed cannot resolve { Ref: ${logicalId} } (${type}): add its physical id to template.ts`);
  }

  getAtt(logicalId: string, attribute: string): string {
    const type = this.resource(logicalId).Type as string;
    const name = this.physicalName(logicalId);
    const key = `${type}.${attribute}`;
    switch (key) {
      case 'AWS::DynamoDB::Table.Arn':
        return arn('dynamodb', `table/${name}`);
      case 'AWS::DynamoDB::Table.StreamArn':
        return arn('dynamodb', `table/${name}/stream/1970-01-01T00:00:00.000`);
      case 'AWS::Lambda::Function.Arn':
        return arn('lambda', `function:${name}`);
      case 'AWS::KMS::Key.Arn':
        return arn('kms', `key/${name}`);
      case 'AWS::KMS::Key.KeyId':
        return name;
      case 'AWS::S3::Bucket.Arn':
        return `arn:${DEPLOYMENT.partition}:s3:::${name}`;
      case 'AWS::S3::Bucket.RegionalDomainName':
        return `${name}.s3.${DEPLOYMENT.region}.${DEPLOYMENT.urlSuffix}`;
      case 'AWS::S3::Bucket.DomainName':
        return `${name}.s3.${DEPLOYMENT.urlSuffix}`;
      case 'AWS::SQS::Queue.Arn':
        return arn('sqs', name);
      case 'AWS::SQS::Queue.QueueName':
        return name;
      case 'AWS::SNS::Topic.TopicArn':
        return arn('sns', name);
      case 'AWS::Events::Rule.Arn':
        return arn('events', `rule/${name}`);
      case 'AWS::IAM::Role.Arn':
        return arn('iam', `role/${name}`, { region: '' });
      case 'AWS::ApiGateway::RestApi.RootResourceId':
        return `${name}root`;
      case 'AWS::Logs::LogGroup.Arn':
        return arn('logs', `log-group:${name}:*`);
      case 'AWS::CloudFront::Distribution.DomainName':
        return `${name}.cloudfront.net`;
    }
    throw new Error(`test/deployed cannot resolve { Fn::GetAtt: [${logicalId}, ${attribute}] }: add it to template.ts`);
  }

  /** A template value with every intrinsic function resolved. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const v = value as Json;
    const keys = Object.keys(v);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::')))
      return this.intrinsic(keys[0]!, v[keys[0]!]);
    return Object.fromEntries(keys.map((k) => [k, this.resolve(v[k])]));
  }

  resolveString(value: unknown): string {
    const s = this.resolve(value);
    if (typeof s !== 'string') throw new Error(`expected a string, got ${JSON.stringify(s)}`);
    return s;
  }

  private intrinsic(fn: string, arg: any): unknown {
    switch (fn) {
      case 'Ref':
        return this.ref(arg as string);
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split('.');
        return this.getAtt(id, attribute);
      }
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, unknown[]];
        return (this.resolve(parts) as unknown[]).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [number | string, unknown];
        return (this.resolve(list) as unknown[])[Number(this.resolve(index))];
      }
      case 'Fn::Split': {
        const [separator, source] = arg as [string, unknown];
        return this.resolveString(source).split(separator);
      }
      case 'Fn::Sub': {
        const [text, vars = {}] = (typeof arg === 'string' ? [arg] : arg) as [string, Json?];
        return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
          if (name in vars) return this.resolveString(vars[name]);
          const [id, attribute] = name.split('.');
          return attribute ? this.getAtt(id!, attribute) : this.ref(id!);
        });
      }
    }
    throw new Error(`test/deployed cannot resolve ${fn}: add it to template.ts`);
  }
}
