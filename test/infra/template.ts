import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { functions, type FunctionName } from '../../infra/functions';
import { OneWindowStack, PROJECT_ROOT, type OneWindowStackProps } from '../../infra/stack';
import { TABLE_NAMES, type TableName } from '../../schemas/tables';

/**
 * The stack synthesized for template tests (bundling skipped), and readers of its template. The
 * settings are the examples .ci/run passes to `cdk synth`.
 */
export type Json = Record<string, any>;
export const FN_NAMES = Object.keys(functions) as FunctionName[];

export const EXAMPLE_SETTINGS = {
  auth: {
    issuer: 'https://idp.example.gov.cn',
    audience: 'one-window-api',
    jwksUrl: 'https://idp.example.gov.cn/.well-known/jwks.json',
  },
  alarmEmail: 'ops@example.gov.cn',
} as const;

/** Entries other contexts have not written yet are replaced by a stand-in, and one test says so. */
export const missingEntries = FN_NAMES.filter((n) => !existsSync(join(PROJECT_ROOT, functions[n].entry)));
const STAND_IN = join(PROJECT_ROOT, functions.platform.entry);

export const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

export function synth(props: Partial<OneWindowStackProps> = {}, id = 'OneWindowFeesTest') {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new OneWindowStack(app, id, {
    ...EXAMPLE_SETTINGS,
    entryOf: (name, def) => (missingEntries.includes(name) ? STAND_IN : join(PROJECT_ROOT, def.entry)),
    ...props,
  });
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Json>;
  return new Synthesized(app, stack, resources);
}

export class Synthesized {
  constructor(
    readonly app: App,
    readonly stack: OneWindowStack,
    readonly resources: Record<string, Json>,
  ) {}

  idOf = (c: IConstruct): string => this.stack.getLogicalId((c.node.defaultChild ?? c) as CfnElement);
  ofType = (type: string): [string, Json][] => Object.entries(this.resources).filter(([, r]) => r.Type === type);
  props = (c: IConstruct): Json => this.resources[this.idOf(c)]!.Properties;

  /** Every IAM statement attached (inline or default policy) to a function's role. */
  statementsOf(name: FunctionName): Json[] {
    const roleId = this.idOf(this.stack.functions[name].role!);
    return this.ofType('AWS::IAM::Policy')
      .filter(([, p]) => asArray(p.Properties.Roles).some((r: Json) => r.Ref === roleId))
      .flatMap(([, p]) => asArray<Json>(p.Properties.PolicyDocument.Statement));
  }

  /** What a policy resource points at: a table, one of its indexes by name, its stream, or none. */
  classify(
    resource: unknown,
  ): { table: TableName; kind: 'table' | 'index' | 'stream' | 'other'; index?: string } | undefined {
    const text = JSON.stringify(resource);
    for (const t of TABLE_NAMES) {
      const id = this.idOf(this.stack.tables[t]);
      if (!text.includes(`"${id}"`)) continue;
      const arn = { 'Fn::GetAtt': [id, 'Arn'] };
      if (JSON.stringify(resource) === JSON.stringify(arn)) return { table: t, kind: 'table' };
      if (text.includes('"StreamArn"') || text.includes('/stream/')) return { table: t, kind: 'stream' };
      const join = (resource as Json)['Fn::Join'];
      const suffix = join?.[1]?.[1];
      if (join?.[0] === '' && JSON.stringify(join[1][0]) === JSON.stringify(arn) && join[1].length === 2) {
        const m = /^\/index\/([A-Za-z0-9_.-]+)$/.exec(String(suffix));
        if (m) return { table: t, kind: 'index', index: m[1] };
      }
      return { table: t, kind: 'other' };
    }
    return undefined;
  }
}
