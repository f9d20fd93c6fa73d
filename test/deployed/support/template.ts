import { randomBytes, randomInt, randomUUID } from 'node:crypto';

/**
 * What CloudFormation would turn a synthesized template's values into: `Ref`, `Fn::GetAtt`,
 * `Fn::Join`, `Fn::Sub`, `Fn::Select` and `Fn::Split` resolved against physical ids shaped like the
 * ones CloudFormation generates (`<stack>-<logicalId>-<suffix>` unless the template names the
 * resource), and `{{resolve:secretsmanager:...}}` dynamic references to the template's own secrets
 * resolved to the value Secrets Manager would generate for them (once per secret, as at creation).
 * A reference to a resource type this file does not know fails with its name, so an environment
 * variable pointing at something new is noticed rather than guessed.
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
  'AWS::SecretsManager::Secret': 'Name',
};

const alphanumeric = (length: number) =>
  Array.from({ length }, () => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[randomInt(62)]).join(
    '',
  );

/** Secrets Manager's GetRandomPassword character classes. */
const CHARACTER_CLASSES = {
  ExcludeLowercase: 'abcdefghijklmnopqrstuvwxyz',
  ExcludeUppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  ExcludeNumbers: '0123456789',
  ExcludePunctuation: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
} as const;

/** A value as Secrets Manager generates it from a secret's GenerateSecretString. */
export function generateSecretString(spec: Json): string {
  const exclude = String(spec.ExcludeCharacters ?? '');
  const classes = Object.entries(CHARACTER_CLASSES)
    .filter(([option]) => spec[option] !== true && spec[option] !== 'true')
    .map(([, chars]) => [...chars].filter((c) => !exclude.includes(c)).join(''))
    .concat(spec.IncludeSpace === true || spec.IncludeSpace === 'true' ? [' '] : [])
    .filter((chars) => chars.length > 0);
  const all = classes.join('');
  const length = Number(spec.PasswordLength ?? 32);
  if (all.length === 0 || length < classes.length) throw new Error('GenerateSecretString allows no password');
  const requireEach = spec.RequireEachIncludedType !== false && spec.RequireEachIncludedType !== 'false';
  for (;;) {
    const value = Array.from({ length }, () => all[randomInt(all.length)]).join('');
    if (!requireEach || classes.every((chars) => [...chars].some((c) => value.includes(c)))) {
      if (spec.SecretStringTemplate === undefined) return value;
      return JSON.stringify({ ...JSON.parse(spec.SecretStringTemplate), [spec.GenerateStringKey]: value });
    }
  }
}

export class ResolvedTemplate {
  readonly resources: Record<string, Json>;
  private readonly suffix = randomBytes(4).toString('hex').toUpperCase();
  private readonly ids = new Map<string, string>();
  /** Secret logical id → its value, generated once as Secrets Manager does when it creates the secret. */
  private readonly secretValues = new Map<string, string>();

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
      if (r.Type === 'AWS::SecretsManager::Secret') id = `${logicalId}-${alphanumeric(12)}`;
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
      case 'AWS::SecretsManager::Secret':
        return this.secretArn(logicalId);
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

  /** A template value with every intrinsic function and dynamic reference resolved. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (typeof value === 'string') return this.dynamicReferences(value);
    if (value === null || typeof value !== 'object') return value;
    const v = value as Json;
    const keys = Object.keys(v);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) {
      const resolved = this.intrinsic(keys[0]!, v[keys[0]!]);
      return typeof resolved === 'string' ? this.dynamicReferences(resolved) : resolved;
    }
    return Object.fromEntries(keys.map((k) => [k, this.resolve(v[k])]));
  }

  /** A secret's ARN (`Ref` of an AWS::SecretsManager::Secret): its name and six random characters. */
  private secretArn(logicalId: string): string {
    let suffix = this.ids.get(`${logicalId}#arn`);
    if (!suffix) this.ids.set(`${logicalId}#arn`, (suffix = alphanumeric(6)));
    return arn('secretsmanager', `secret:${this.physicalName(logicalId)}-${suffix}`);
  }

  /** The value CloudFormation puts in place of a secret's dynamic reference at deploy time. */
  private secretValue(logicalId: string): string {
    let value = this.secretValues.get(logicalId);
    if (value === undefined) {
      const p = this.resource(logicalId).Properties ?? {};
      if (p.SecretString !== undefined) value = this.resolveString(p.SecretString);
      else if (p.GenerateSecretString !== undefined)
        value = generateSecretString(this.resolve(p.GenerateSecretString) as Json);
      else throw new Error(`secret ${logicalId} has neither SecretString nor GenerateSecretString`);
      this.secretValues.set(logicalId, value);
    }
    return value;
  }

  /**
   * `{{resolve:secretsmanager:<secret-id>:SecretString:<json-key>:<version-stage>:<version-id>}}`,
   * the secret being one of the template's (by ARN or name), at its current version. Any other
   * dynamic reference fails, naming it.
   */
  private dynamicReferences(text: string): string {
    return text.replace(/\{\{resolve:([^}]*)\}\}/g, (reference, body: string) => {
      const [service, ...parts] = body.split(':');
      if (service !== 'secretsmanager')
        throw new Error(`test/deployed cannot resolve ${reference}: add it to template.ts`);
      const idParts = parts[0] === 'arn' ? 7 : 1;
      const secretId = parts.slice(0, idParts).join(':');
      const [field = 'SecretString', jsonKey = '', stage = '', version = ''] = parts.slice(idParts);
      const found = this.ofType('AWS::SecretsManager::Secret').find(
        ([id]) => secretId === this.secretArn(id) || secretId === this.physicalName(id),
      );
      if (!found || field !== 'SecretString' || (stage !== '' && stage !== 'AWSCURRENT') || version !== '')
        throw new Error(`test/deployed cannot resolve ${reference}: not the current value of a secret of the template`);
      const value = this.secretValue(found[0]);
      if (jsonKey === '') return value;
      const json = JSON.parse(value) as Json;
      if (!(jsonKey in json)) throw new Error(`${reference}: the secret has no key ${jsonKey}`);
      return String(json[jsonKey]);
    });
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
