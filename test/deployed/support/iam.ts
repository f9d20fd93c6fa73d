import { createHash } from 'node:crypto';
import { DEPLOYMENT, type Json, type ResolvedTemplate } from './template';

/**
 * The template's IAM, as AWS would apply it to the calls this test lets through:
 * - identity policies: every function runs with credentials of its own (an access key id per
 *   execution role), and the stand-ins (fakeAws.ts, dynamoProxy.ts) ask `allows` before serving a
 *   call, with the action and resource ARN AWS would authorize it as. Allow statements of the role's
 *   inline policies and attached AWS::IAM::Policy resources grant; an explicit Deny wins.
 * - resource policies of functions (AWS::Lambda::Permission): `mayInvoke` says whether a service
 *   (API Gateway, S3, EventBridge) may invoke a function from a source ARN.
 * Conditions are evaluated on the keys the caller supplies (e.g. `dynamodb:EnclosingOperation`,
 * `aws:SecureTransport`) with the String*, Bool and ForAnyValue/ForAllValues operators. Not
 * emulated: other condition keys and operators, NotAction, NotResource, and managed policies (the
 * only one attached, AWSLambdaBasicExecutionRole, grants logs). An Allow statement that cannot be
 * evaluated grants nothing (the denial says so); a Deny statement that cannot be evaluated but
 * names the call is recorded in `unevaluatedDenies`, which the test requires to stay empty.
 */
export interface Denial {
  principal: string;
  action: string;
  resource: string;
  message: string;
}

interface Statement {
  effect: 'Allow' | 'Deny';
  actions: string[];
  resources: string[];
  condition?: Json;
  /** NotAction / NotResource: never applied. */
  emulated: boolean;
}

/** Condition keys the caller knows, lower-cased; a known key may be absent from the request (undefined). */
export type ConditionContext = Record<string, string | string[] | undefined>;

/** Whether a Condition block holds; undefined when it uses a key or operator not emulated. */
export function conditionHolds(condition: Json, context: ConditionContext): boolean | undefined {
  for (const [rawOperator, tests] of Object.entries<Json>(condition)) {
    const ifExists = rawOperator.endsWith('IfExists');
    const [qualifier, operator] = rawOperator.replace(/IfExists$/, '').includes(':')
      ? (rawOperator.replace(/IfExists$/, '').split(':') as [string, string])
      : [undefined, rawOperator.replace(/IfExists$/, '')];
    const negated = /Not/.test(operator);
    const like = /Like$/.test(operator);
    if (!/^(String(Not)?(Equals|Like)(IgnoreCase)?|Bool)$/.test(operator)) return undefined;
    for (const [key, expected] of Object.entries<unknown>(tests)) {
      if (!(key.toLowerCase() in context)) return undefined;
      const actual = context[key.toLowerCase()];
      const values = actual === undefined ? [] : asArray(actual);
      const patterns = asArray(expected as string | string[]).map(String);
      const matches = (v: string) =>
        patterns.some((p) =>
          like ? wildcardMatch(p, v, /IgnoreCase/.test(operator)) : p.toLowerCase() === v.toLowerCase() || p === v,
        );
      let holds: boolean;
      if (values.length === 0) holds = ifExists || negated || qualifier === 'ForAllValues';
      else if (qualifier === 'ForAllValues') holds = values.every((v) => matches(v) !== negated);
      else holds = negated ? !values.some(matches) : values.some(matches);
      if (!holds) return false;
    }
  }
  return true;
}

const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** IAM's wildcards: `*` any run of characters, `?` one character. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

export class TemplateIam {
  readonly denials: Denial[] = [];
  readonly unevaluatedDenies: Denial[] = [];
  private readonly roles = new Map<string, { name: string; statements: Statement[] }>();
  /** Access key id → role logical id. */
  private readonly keys = new Map<string, string>();

  constructor(private readonly template: ResolvedTemplate) {
    for (const [roleId, role] of template.ofType('AWS::IAM::Role')) {
      const documents: Json[] = (role.Properties.Policies ?? []).map((p: Json) => p.PolicyDocument);
      for (const [, policy] of template.ofType('AWS::IAM::Policy'))
        if (asArray<Json>(policy.Properties.Roles).some((r) => r.Ref === roleId))
          documents.push(policy.Properties.PolicyDocument);
      const statements = documents.flatMap((d) =>
        asArray<Json>(d.Statement).map((s) => ({
          effect: s.Effect,
          actions: asArray<string>(s.Action),
          resources: asArray<unknown>(s.Resource).map((r) => template.resolveString(r)),
          condition: s.Condition,
          emulated: !s.NotAction && !s.NotResource,
        })),
      );
      this.roles.set(roleId, { name: template.physicalName(roleId), statements });
    }
  }

  /** The credentials a function's execution role hands the function (its own access key id). */
  credentialsOf(functionLogicalId: string): { accessKeyId: string; secretAccessKey: string; sessionToken: string } {
    const role = this.template.resource(functionLogicalId).Properties.Role as Json;
    const roleId = (role['Fn::GetAtt'] as [string, string] | undefined)?.[0];
    if (!roleId || !this.roles.has(roleId))
      throw new Error(`${functionLogicalId}: its role is not a role of the template`);
    const accessKeyId = `ASIA${createHash('sha256').update(roleId).digest('hex').slice(0, 16).toUpperCase()}`;
    this.keys.set(accessKeyId, roleId);
    return { accessKeyId, secretAccessKey: 'example-secret', sessionToken: `session-${functionLogicalId}` };
  }

  /** The access key id of a SigV4 Authorization header. */
  static accessKeyOf(authorization: string | undefined): string {
    return /Credential=([^/]+)\//.exec(authorization ?? '')?.[1] ?? '';
  }

  /** Undefined when the caller's role may perform `action` on `resource`; else AWS's denial message. */
  allows(accessKeyId: string, action: string, resource: string, context: ConditionContext = {}): string | undefined {
    const roleId = this.keys.get(accessKeyId);
    const role = roleId ? this.roles.get(roleId) : undefined;
    const principal = role
      ? `arn:${DEPLOYMENT.partition}:sts::${DEPLOYMENT.accountId}:assumed-role/${role.name}/function`
      : `unknown access key ${accessKeyId}`;
    const names = (s: Statement) =>
      s.emulated &&
      s.actions.some((a) => wildcardMatch(a, action, true)) &&
      s.resources.some((r) => wildcardMatch(r, resource));
    const ctx = { 'aws:securetransport': 'true', ...context };
    let unevaluatedAllow = false;
    let allowed = false;
    for (const s of role?.statements ?? []) {
      if (!names(s)) continue;
      const holds = s.condition ? conditionHolds(s.condition, ctx) : true;
      const denial = { principal, action, resource, message: '' };
      if (s.effect === 'Deny' && holds === undefined) this.unevaluatedDenies.push(denial);
      if (s.effect === 'Deny' && holds) {
        denial.message = `User: ${principal} is not authorized to perform: ${action} on resource: ${resource} with an explicit deny`;
        this.denials.push(denial);
        return denial.message;
      }
      if (s.effect === 'Allow' && holds === undefined) unevaluatedAllow = true;
      if (s.effect === 'Allow' && holds) allowed = true;
    }
    if (allowed) return undefined;
    const note = unevaluatedAllow ? ' (an Allow statement with a condition this test cannot evaluate was ignored)' : '';
    const message = `User: ${principal} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action${note}`;
    this.denials.push({ principal, action, resource, message });
    return message;
  }

  /** Whether the function's resource policy lets `principal` (a service) invoke it from `sourceArn`. */
  mayInvoke(functionArn: string, principal: string, sourceArn: string): boolean {
    return this.template.ofType('AWS::Lambda::Permission').some(([, r]) => {
      const p = r.Properties as Json;
      const target = this.template.resolveString(p.FunctionName);
      const arn = target.startsWith('arn:') ? target : functionArn.replace(/[^:]+$/, target);
      return (
        arn === functionArn &&
        ['lambda:InvokeFunction', 'lambda:*'].includes(p.Action) &&
        p.Principal === principal &&
        (p.SourceArn === undefined || wildcardMatch(this.template.resolveString(p.SourceArn), sourceArn))
      );
    });
  }
}
