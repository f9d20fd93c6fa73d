import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import {
  CreateTableCommand,
  DeleteTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { FunctionName } from '../../../infra/functions';
import { OneWindowStack } from '../../../infra/stack';
import type { FunctionConfig } from './lambdaRuntime';
import { type Json, ResolvedTemplate } from './template';

/**
 * The stack as `cdk synth` produces it — bundling included, so every function's code is the asset
 * the template references (the zip `cdk deploy` would upload, still unzipped in the cloud assembly)
 * — and what CloudFormation would make of it: physical names, each function's resolved
 * configuration, and the DynamoDB tables created under exactly the names the functions are given.
 */
export const STACK_NAME = 'OneWindowFeesBundles';

export interface IdentityProvider {
  issuer: string;
  audience: string;
  jwksUrl: string;
}

export interface DeployedStack {
  template: ResolvedTemplate;
  assemblyDir: string;
  /** Our functions (NodejsFunction constructs) by their name in infra/functions.ts. */
  functions: Map<FunctionName, FunctionConfig & { logicalId: string; architectures: string[] }>;
  /** Logical id → physical name of every table. */
  tables: Map<string, string>;
}

/** Synthesizes with bundling into a temporary cloud assembly. Takes ≈ 10 s (esbuild per function). */
export function synthesize(idp: IdentityProvider): DeployedStack {
  const assemblyDir = mkdtempSync(join(tmpdir(), 'one-window-bundles-'));
  // The identity provider and alarm settings go both ways a synth may read them: as props, and as
  // the context keys `cdk synth -c ...` sets, so this works whichever the stack requires.
  const settings = { authIssuer: idp.issuer, authAudience: idp.audience, authJwksUrl: idp.jwksUrl };
  const app = new App({ outdir: assemblyDir, context: { ...settings, alarmEmail: 'alarms@example.org' } });
  const stack = new OneWindowStack(app, STACK_NAME, {
    auth: { issuer: idp.issuer, audience: idp.audience, jwksUrl: idp.jwksUrl },
    alarmEmail: 'alarms@example.org',
  });
  const assembly = app.synth();
  const template = new ResolvedTemplate(STACK_NAME, assembly.getStackByName(STACK_NAME).template);

  const byConstruct = new Map<NodejsFunction, FunctionName>();
  for (const [name, f] of Object.entries(stack.functions)) byConstruct.set(f, name as FunctionName);
  const functions: DeployedStack['functions'] = new Map();
  for (const construct of stack.node.findAll()) {
    if (!(construct instanceof NodejsFunction)) continue;
    const name = byConstruct.get(construct);
    if (!name) throw new Error(`${construct.node.path} is a NodejsFunction the stack does not list in functions`);
    const logicalId = stack.getLogicalId(construct.node.defaultChild as never);
    functions.set(name, { ...functionConfig(template, assembly, logicalId, name), logicalId });
  }
  const tables = new Map(template.ofType('AWS::DynamoDB::Table').map(([id]) => [id, template.physicalName(id)]));
  return { template, assemblyDir, functions, tables };
}

/** The directory of the file asset the template's S3Key names, from the assembly's asset manifest. */
function assetDirectory(assembly: CloudAssembly, s3Key: string): string {
  for (const artifact of assembly.artifacts) {
    if (artifact.manifest.type !== 'cdk:asset-manifest') continue;
    const file = join(assembly.directory, (artifact.manifest.properties as { file: string }).file);
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Json;
    for (const asset of Object.values<Json>(manifest.files ?? {}))
      if (Object.values<Json>(asset.destinations).some((d) => d.objectKey === s3Key)) {
        if (asset.source.packaging !== 'zip') throw new Error(`asset ${s3Key} is not a zipped directory`);
        return join(assembly.directory, asset.source.path);
      }
  }
  throw new Error(`no asset in the cloud assembly is uploaded as ${s3Key}`);
}

function functionConfig(
  template: ResolvedTemplate,
  assembly: CloudAssembly,
  logicalId: string,
  name: string,
): FunctionConfig & { architectures: string[] } {
  const p = template.resource(logicalId).Properties as Json;
  const s3Key = template.resolveString(p.Code?.S3Key);
  const logGroup = p.LoggingConfig?.LogGroup;
  const functionName = template.physicalName(logicalId);
  return {
    name,
    functionName,
    arn: template.getAtt(logicalId, 'Arn'),
    taskRoot: assetDirectory(assembly, s3Key),
    handler: p.Handler,
    runtime: p.Runtime,
    architectures: p.Architectures ?? ['x86_64'],
    // CloudFormation's defaults when the template leaves them out.
    memoryMb: p.MemorySize ?? 128,
    timeoutSeconds: p.Timeout ?? 3,
    logGroupName: logGroup ? template.resolveString(logGroup) : `/aws/lambda/${functionName}`,
    environment: Object.fromEntries(
      Object.entries<unknown>(p.Environment?.Variables ?? {}).map(([k, v]) => [k, template.resolveString(v)]),
    ),
  };
}

/** Creates every table of the template in DynamoDB Local, as CloudFormation would create it. */
export async function createTables(deployed: DeployedStack, client: DynamoDBClient): Promise<void> {
  await Promise.all(
    [...deployed.tables].map(async ([logicalId, name]) => {
      const p = deployed.template.resource(logicalId).Properties as Json;
      await client.send(
        new CreateTableCommand({
          TableName: name,
          AttributeDefinitions: p.AttributeDefinitions,
          KeySchema: p.KeySchema,
          BillingMode: p.BillingMode ?? 'PROVISIONED',
          ...(p.BillingMode === 'PAY_PER_REQUEST'
            ? {}
            : { ProvisionedThroughput: p.ProvisionedThroughput ?? { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } }),
          ...(p.GlobalSecondaryIndexes
            ? {
                GlobalSecondaryIndexes: p.GlobalSecondaryIndexes.map((g: Json) => ({
                  IndexName: g.IndexName,
                  KeySchema: g.KeySchema,
                  Projection: g.Projection,
                })),
              }
            : {}),
          ...(p.StreamSpecification
            ? { StreamSpecification: { StreamEnabled: true, StreamViewType: p.StreamSpecification.StreamViewType } }
            : {}),
        }),
      );
      if (p.TimeToLiveSpecification?.Enabled)
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: { AttributeName: p.TimeToLiveSpecification.AttributeName, Enabled: true },
          }),
        );
    }),
  );
}

export async function deleteTables(deployed: DeployedStack, client: DynamoDBClient): Promise<void> {
  await Promise.all(
    [...deployed.tables.values()].map((name) =>
      client.send(new DeleteTableCommand({ TableName: name })).catch(() => {}),
    ),
  );
}
