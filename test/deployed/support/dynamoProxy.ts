import { createServer, request, type Server } from 'node:http';
import { type ConditionContext, TemplateIam } from './iam';
import { DEPLOYMENT } from './template';

/**
 * DynamoDB Local behind IAM: the functions' DynamoDB endpoint. Each request is authorized as
 * DynamoDB authorizes it (the action and table or index ARN of every item of a batch or
 * transaction) against the calling function's role in the template, then forwarded unchanged to
 * DynamoDB Local; a denied call gets DynamoDB's AccessDeniedException, as deployed.
 */
const tableArn = (name: string, index?: string) =>
  `arn:${DEPLOYMENT.partition}:dynamodb:${DEPLOYMENT.region}:${DEPLOYMENT.accountId}:table/${name}${index ? `/index/${index}` : ''}`;

const TRANSACT_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};

/** The [action, resource, condition context] IAM checks for one DynamoDB request. */
export function requiredAccess(operation: string, input: Record<string, any>): [string, string, ConditionContext][] {
  // Every DynamoDB request carries this key; it is set inside a transaction only.
  const plain = { 'dynamodb:enclosingoperation': undefined };
  switch (operation) {
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys(input.RequestItems ?? {}).map((t) => [`dynamodb:${operation}`, tableArn(t), plain]);
    case 'TransactWriteItems':
    case 'TransactGetItems':
      return (input.TransactItems ?? []).map((item: Record<string, { TableName: string }>) => {
        const [kind, spec] = Object.entries(item)[0]!;
        return [
          TRANSACT_ACTIONS[kind] ?? `dynamodb:${kind}`,
          tableArn(spec.TableName),
          { 'dynamodb:enclosingoperation': operation },
        ];
      });
    case 'Query':
    case 'Scan':
      return [[`dynamodb:${operation}`, tableArn(input.TableName, input.IndexName), plain]];
    default:
      return [[`dynamodb:${operation}`, input.TableName ? tableArn(input.TableName) : '*', plain]];
  }
}

export async function startDynamoProxy(
  target: string,
  iam: TemplateIam,
): Promise<{ url: string; stop(): Promise<void> }> {
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const key = TemplateIam.accessKeyOf(req.headers.authorization);
      let denied: string | undefined;
      try {
        for (const [action, resource, context] of requiredAccess(operation, JSON.parse(body.toString() || '{}')))
          denied ??= iam.allows(key, action, resource, context);
      } catch (e) {
        denied = `unreadable request: ${e instanceof Error ? e.message : String(e)}`;
      }
      if (denied) {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', message: denied }));
        return;
      }
      const forward = request(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', (e) => {
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb#InternalServerError', message: e.message }));
      });
      forward.end(body);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    },
  };
}
