import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DYNAMODB_ACTIONS, functions, type DynamoAction, type FunctionName } from '../../infra/functions';
import { PROJECT_ROOT } from '../../infra/stack';
import { tableEnvVar, tables, type TableName } from '../../schemas/tables';
import { asArray, FN_NAMES, type Json, synth, type Synthesized } from './template';

/**
 * The function × table × action matrix: docs/adr/0011-least-privilege.md's table, infra/functions.ts
 * and the synthesized IAM policies must be the same matrix. Cells are `function table action` for
 * the table's ARN and `function table Query index/<name>` for an index.
 */
const ADR = join(PROJECT_ROOT, 'docs/adr/0011-least-privilege.md');
const OPEN_DATA_FUNCTIONS: FunctionName[] = ['opendata', 'aggregator', 'publisher'];
const STREAM_ACTIONS = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
];

let t: Synthesized;
beforeAll(() => {
  t = synth();
});

/** The ADR's table, parsed: one cell per function, table and action (or indexed Query). */
function adrMatrix(): string[] {
  const text = readFileSync(ADR, 'utf8');
  const section = /<!-- least-privilege:begin -->\n([\s\S]*?)\n<!-- least-privilege:end -->/.exec(text);
  if (!section) throw new Error(`${ADR} has no least-privilege table between its markers`);
  const [header, rule, ...rows] = section[1]!.trim().split('\n');
  expect(header).toBe('| function | table | actions on the table | indexes queried (Query only) |');
  expect(rule).toBe('|---|---|---|---|');
  const list = (cell: string) => (cell === '—' ? [] : cell.split(',').map((s) => s.trim()));
  return rows.flatMap((row) => {
    const m = /^\| (\w+) \| (\w+) \| ([^|]+) \| ([^|]+) \|$/.exec(row);
    if (!m) throw new Error(`not a row of the least-privilege table: ${row}`);
    const [, fn, table, actions, indexes] = m as unknown as [string, string, string, string, string];
    return [
      ...list(actions.trim()).map((a) => `${fn} ${table} ${a}`),
      ...list(indexes.trim()).map((i) => `${fn} ${table} Query index/${i}`),
    ];
  });
}

function dataMatrix(): string[] {
  return FN_NAMES.flatMap((fn) =>
    (
      Object.entries(functions[fn].tables) as [
        TableName,
        NonNullable<(typeof functions)[FunctionName]['tables'][TableName]>,
      ][]
    ).flatMap(([table, g]) => [
      ...g.actions.map((a) => `${fn} ${table} ${a}`),
      ...(g.indexes ?? []).map((i) => `${fn} ${table} Query index/${i}`),
    ]),
  );
}

/** Every DynamoDB table or index permission in the template; anything not a table or a named index throws. */
function templateMatrix(): string[] {
  const cells: string[] = [];
  for (const fn of FN_NAMES)
    for (const st of t.statementsOf(fn)) {
      expect(st.Effect, fn).toBe('Allow');
      for (const r of asArray(st.Resource)) {
        const c = t.classify(r);
        if (!c || c.kind === 'stream') continue;
        if (c.kind === 'other')
          throw new Error(
            `${fn} has a grant on ${c.table} that is neither the table nor a named index: ${JSON.stringify(r)}`,
          );
        for (const a of asArray<string>(st.Action)) {
          expect(a.startsWith('dynamodb:'), `${fn} ${a} on ${c.table}`).toBe(true);
          const action = a.slice('dynamodb:'.length);
          cells.push(c.kind === 'table' ? `${fn} ${c.table} ${action}` : `${fn} ${c.table} ${action} index/${c.index}`);
        }
      }
    }
  return cells;
}

const sorted = (xs: string[]) => [...xs].sort();

describe('least privilege: the function × table × action matrix', () => {
  it('docs/adr/0011 states exactly the grants of infra/functions.ts', () => {
    expect(sorted(adrMatrix())).toEqual(sorted(dataMatrix()));
  });

  it('the template grants exactly the matrix of docs/adr/0011, and nothing on any table beyond it', () => {
    expect(sorted(templateMatrix())).toEqual(sorted(adrMatrix()));
  });

  it('uses only item-level actions, each listed once per table', () => {
    for (const fn of FN_NAMES)
      for (const [table, g] of Object.entries(functions[fn].tables)) {
        for (const a of g!.actions) expect(DYNAMODB_ACTIONS, `${fn} ${table}`).toContain(a);
        expect(new Set(g!.actions).size, `${fn} ${table}`).toBe(g!.actions.length);
        for (const i of g!.indexes ?? [])
          expect(
            tables[table as TableName].indexes.map((x) => x.name),
            `${fn} ${table} ${i}`,
          ).toContain(i);
      }
  });

  it('gives each function the env var of every table it may touch, and of no other', () => {
    for (const fn of FN_NAMES) {
      const env = t.props(t.stack.functions[fn]).Environment.Variables as Json;
      expect(
        Object.keys(env)
          .filter((k) => k.startsWith('TABLE_'))
          .sort(),
        fn,
      ).toEqual((Object.keys(functions[fn].tables) as TableName[]).map(tableEnvVar).sort());
    }
  });
});

describe('least privilege: append-only tables', () => {
  const granted = (table: TableName, action: DynamoAction) =>
    FN_NAMES.filter((fn) => functions[fn].tables[table]?.actions.includes(action));

  it('no function may delete, batch-write or update Ledger items: postings are only ever put', () => {
    for (const a of ['DeleteItem', 'BatchWriteItem', 'UpdateItem'] as const)
      expect(granted('Ledger', a), a).toEqual([]);
    expect(templateMatrix().filter((c) => / Ledger (DeleteItem|BatchWriteItem|UpdateItem)/.test(c))).toEqual([]);
  });

  it('no function may delete or batch-write Receipts; only payments may update one (a refund sets the original’s status)', () => {
    for (const a of ['DeleteItem', 'BatchWriteItem'] as const) expect(granted('Receipts', a), a).toEqual([]);
    expect(granted('Receipts', 'UpdateItem')).toEqual(['payments']);
    expect(templateMatrix().filter((c) => / Receipts (DeleteItem|BatchWriteItem|UpdateItem)/.test(c))).toEqual([
      'payments Receipts UpdateItem',
    ]);
  });

  it('no function may Scan any table, nor reach every index of one', () => {
    expect(templateMatrix().filter((c) => / Scan/.test(c))).toEqual([]);
    for (const fn of FN_NAMES) expect(JSON.stringify(t.statementsOf(fn)), fn).not.toContain('/index/*');
  });
});

describe('least privilege: everything else a role may do', () => {
  it('only the aggregator reads a stream, and only the Payments stream', () => {
    for (const fn of FN_NAMES) {
      const streams = new Set<string>();
      for (const st of t.statementsOf(fn))
        for (const r of asArray(st.Resource)) {
          const c = t.classify(r);
          if (c?.kind !== 'stream') continue;
          streams.add(c.table);
          for (const a of asArray<string>(st.Action)) expect(STREAM_ACTIONS, fn).toContain(a);
        }
      expect([...streams], fn).toEqual(fn === 'aggregator' ? ['Payments'] : []);
    }
  });

  it('grants "*" resources to no function except the aggregator’s stream discovery', () => {
    for (const fn of FN_NAMES)
      for (const st of t.statementsOf(fn))
        if (asArray(st.Resource).includes('*'))
          expect({ fn, actions: asArray(st.Action) }).toEqual({ fn: 'aggregator', actions: ['dynamodb:ListStreams'] });
  });

  it.each(OPEN_DATA_FUNCTIONS)('%s has no access at all to the Notices or Payments tables', (fn) => {
    for (const st of t.statementsOf(fn))
      for (const r of asArray(st.Resource)) {
        const c = t.classify(r);
        if (c?.table === 'Notices') throw new Error(`${fn} reaches Notices: ${JSON.stringify(st)}`);
        if (c?.table === 'Payments')
          expect({
            fn,
            kind: c.kind,
            actions: asArray<string>(st.Action).filter((a) => !STREAM_ACTIONS.includes(a)),
          }).toEqual({
            fn: 'aggregator',
            kind: 'stream',
            actions: [],
          });
      }
    const env = t.props(t.stack.functions[fn]).Environment.Variables;
    expect(env).not.toHaveProperty(tableEnvVar('Notices'));
    expect(env).not.toHaveProperty(tableEnvVar('Payments'));
  });

  it('has one signing key per kind of signed document, each used only as its functions declare', () => {
    const keys = { receipt: t.stack.signingKey, dayProof: t.stack.dayProofKey };
    expect(t.idOf(keys.receipt)).not.toBe(t.idOf(keys.dayProof));
    for (const key of Object.values(keys))
      expect(t.resources[t.idOf(key)]!.Properties).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const env = { receipt: 'SIGNING_KMS_KEY_ID', dayProof: 'DAY_PROOF_KMS_KEY_ID' };
    const signingKeyIds = Object.values(keys).map((k) => t.idOf(k));
    for (const fn of FN_NAMES) {
      // The signing keys only; the open-data HMAC key has its own test (stack.test.ts, ADR 0012).
      const kms = t
        .statementsOf(fn)
        .filter((st) => asArray<string>(st.Action).some((a) => a.startsWith('kms:')))
        .filter((st) => signingKeyIds.some((id) => JSON.stringify(st.Resource ?? '').includes(id)));
      const used = Object.entries(functions[fn].keys ?? {}) as [keyof typeof keys, 'sign' | 'verify'][];
      expect(kms, fn).toHaveLength(used.length);
      const variables = t.resources[t.idOf(t.stack.functions[fn])]!.Properties.Environment.Variables as Json;
      for (const [kind, use] of used) {
        const arn = { 'Fn::GetAtt': [t.idOf(keys[kind]), 'Arn'] };
        const st = kms.find((x) => JSON.stringify(x.Resource) === JSON.stringify(arn));
        expect(st, `${fn} ${kind}`).toBeDefined();
        expect([...asArray<string>(st!.Action)].sort(), `${fn} ${kind}`).toEqual(
          use === 'sign' ? ['kms:GetPublicKey', 'kms:Sign'] : ['kms:GetPublicKey'],
        );
        expect(variables[env[kind]], `${fn} ${kind}`).toEqual(arn);
      }
    }
    // Receipts are signed by payments alone, day proofs by finance alone; the ledger only verifies.
    const signers = (kind: keyof typeof keys) => FN_NAMES.filter((n) => functions[n].keys?.[kind] === 'sign');
    // Online payments' receipts are signed where the provider's confirmation arrives.
    expect(signers('receipt').sort()).toEqual(['orderSweep', 'orders', 'payments']);
    expect(signers('dayProof')).toEqual(['finance']);
    expect(functions.ledger.keys).toEqual({ dayProof: 'verify' });
  });

  it('lets the opendata function issue API keys into the open-data usage plan only', () => {
    const planId = t.idOf(t.stack.openDataPlan);
    const apigw = t
      .statementsOf('opendata')
      .filter((st) => asArray<string>(st.Action).some((a) => a.startsWith('apigateway:')));
    expect(apigw).toHaveLength(1);
    expect(apigw[0]!.Action).toBe('apigateway:POST');
    const targets = asArray(apigw[0]!.Resource).map((r) => JSON.stringify(r));
    expect(targets).toHaveLength(2);
    expect(targets.some((x) => x.endsWith('::/apikeys"]]}'))).toBe(true);
    expect(targets.some((x) => x.includes(`{"Ref":"${planId}"},"/keys"`))).toBe(true);
    for (const fn of FN_NAMES.filter((n) => n !== 'opendata'))
      expect(
        t.statementsOf(fn).some((st) => JSON.stringify(st.Action).includes('apigateway:')),
        fn,
      ).toBe(false);
    expect(t.props(t.stack.functions.opendata).Environment.Variables.OPEN_DATA_USAGE_PLAN_ID).toEqual({ Ref: planId });
  });

  it('writes logs only to the function’s own log group: no managed policy, no CreateLogGroup, no other group', () => {
    for (const fn of FN_NAMES) {
      const role = t.resources[t.idOf(t.stack.functions[fn].role!)]!.Properties;
      expect(role.ManagedPolicyArns ?? [], fn).toEqual([]);
      const logs = t.statementsOf(fn).filter((st) => asArray<string>(st.Action).some((a) => a.startsWith('logs:')));
      expect(logs, fn).toEqual([
        {
          Sid: 'WriteOwnLogGroupOnly',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [t.idOf(t.stack.logGroups[fn]), 'Arn'] },
        },
      ]);
      expect(t.props(t.stack.functions[fn]).LoggingConfig, fn).toEqual({
        LogGroup: { Ref: t.idOf(t.stack.logGroups[fn]) },
      });
    }
  });

  it('gives no role in the stack AWSLambdaBasicExecutionRole; the CDK handlers’ roles write only their own log groups', () => {
    const roles = t.ofType('AWS::IAM::Role');
    for (const [id, r] of roles)
      for (const arn of asArray(r.Properties.ManagedPolicyArns))
        expect(JSON.stringify(arn), id).not.toContain('AWSLambdaBasicExecutionRole');
    const logGroupOf = new Map(
      t.ofType('AWS::Lambda::Function').map(([id, f]) => [f.Properties.Role['Fn::GetAtt'][0] as string, { id, f }]),
    );
    for (const [, p] of t.ofType('AWS::IAM::Policy'))
      for (const st of asArray<Json>(p.Properties.PolicyDocument.Statement))
        if (asArray<string>(st.Action).some((a) => a.startsWith('logs:')))
          for (const role of asArray<Json>(p.Properties.Roles)) {
            const fn = logGroupOf.get(role.Ref);
            expect(fn, `a role that writes logs runs a function: ${role.Ref}`).toBeDefined();
            expect(st.Resource).toEqual({ 'Fn::GetAtt': [fn!.f.Properties.LoggingConfig.LogGroup.Ref, 'Arn'] });
          }
  });
});
