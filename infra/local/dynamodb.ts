import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { tables, type TableDef } from '../../schemas/tables';

/**
 * DynamoDB Local, AWS's own emulator, from the jar that `amplify-dynamodb-simulator` ships. Runs as
 * a child Java process that we always stop with the parent (no orphans).
 */
export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export class LocalStackError extends Error {}

export function emulatorDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
}

export function assertJava(): void {
  const r = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (r.error || r.status !== 0)
    throw new LocalStackError(
      'Java is not installed, and DynamoDB Local needs it. Install a Java runtime (Debian: `apt-get install -y default-jre-headless`) and try again.',
    );
}

export async function assertPortFree(port: number, host = '127.0.0.1', what = 'port'): Promise<void> {
  await new Promise<void>((ok, fail) => {
    const s = createServer();
    s.once('error', () =>
      fail(
        new LocalStackError(
          `${what} ${port} on ${host} is already in use. Stop whatever holds it, or choose another port.`,
        ),
      ),
    );
    s.listen(port, host, () => s.close(() => ok()));
  });
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => ok(port));
    });
  });
}

export async function startDynamoDbLocal(opts: {
  port: number;
  dbPath?: string;
  inMemory?: boolean;
}): Promise<DynamoDbLocal> {
  assertJava();
  await assertPortFree(opts.port, '127.0.0.1', 'The DynamoDB Local port');
  const args = [
    '-Djava.library.path=./DynamoDBLocal_lib',
    '-jar',
    'DynamoDBLocal.jar',
    '-port',
    String(opts.port),
    '-disableTelemetry',
  ];
  if (opts.inMemory) args.push('-inMemory');
  else {
    const dbPath = resolve(opts.dbPath ?? '.data/dynamodb');
    mkdirSync(dbPath, { recursive: true });
    args.push('-dbPath', dbPath);
  }
  // Streams-on tables and transactions both work in DynamoDB Local; -sharedDb keeps one database
  // whatever region/credentials a client uses.
  args.push('-sharedDb');
  const child: ChildProcess = spawn('java', args, { cwd: emulatorDir(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const endpoint = `http://127.0.0.1:${opts.port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new LocalStackError(`DynamoDB Local exited (code ${child.exitCode}):\n${output}`);
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new LocalStackError(`DynamoDB Local did not answer within 30 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  client.destroy();

  return {
    endpoint,
    port: opts.port,
    stop: () =>
      new Promise<void>((done) => {
        process.removeListener('exit', killOnExit);
        if (child.exitCode !== null) return done();
        const force = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(force);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** The CreateTable input for a table definition: the same keys and indexes the CDK stack declares. */
export function createTableInput(def: TableDef, physicalName: string): CreateTableCommandInput {
  const attrs = new Set([def.pk, def.sk, ...def.indexes.flatMap((i) => [i.pk, i.sk])]);
  return {
    TableName: physicalName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attrs].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: def.pk, KeyType: 'HASH' },
      { AttributeName: def.sk, KeyType: 'RANGE' },
    ],
    ...(def.indexes.length
      ? {
          GlobalSecondaryIndexes: def.indexes.map((i) => ({
            IndexName: i.name,
            KeySchema: [
              { AttributeName: i.pk, KeyType: 'HASH' },
              { AttributeName: i.sk, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: i.projection ?? 'ALL' },
          })),
        }
      : {}),
    ...(def.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } } : {}),
  };
}

/** Creates every table that is missing; returns the names it created. */
export async function ensureTables(endpoint: string, prefix = ''): Promise<string[]> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const existing = new Set<string>();
    let start: string | undefined;
    do {
      const r = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
      for (const n of r.TableNames ?? []) existing.add(n);
      start = r.LastEvaluatedTableName;
    } while (start);
    const created: string[] = [];
    for (const def of Object.values(tables)) {
      const name = prefix + def.name;
      if (existing.has(name)) continue;
      await client.send(new CreateTableCommand(createTableInput(def, name)));
      if (def.ttlAttribute)
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: { Enabled: true, AttributeName: def.ttlAttribute },
          }),
        );
      created.push(name);
    }
    return created;
  } finally {
    client.destroy();
  }
}
