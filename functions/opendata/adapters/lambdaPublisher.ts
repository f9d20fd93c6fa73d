import type { PublisherInvoker } from '../ports';

/**
 * Starts the publisher function on a job with Lambda Invoke, InvocationType Event: Lambda queues the
 * event and answers 202 at once; the publisher runs within its own time limit (docs/adr/0011).
 * Locally the endpoint is the local stack's Lambda Invoke service (infra/local/lambda.ts), which
 * runs the same publisher entry in-process. The SDK client is loaded at the first publication.
 */
export class LambdaPublisherInvoker implements PublisherInvoker {
  private sdk?: Promise<{
    client: import('./sdk/lambda').LambdaClient;
    api: typeof import('./sdk/lambda');
  }>;
  constructor(
    private readonly functionName: string,
    private readonly local?: { endpoint: string; region?: string },
  ) {}

  async start(jobId: string): Promise<void> {
    this.sdk ??= import('./sdk/lambda').then((api) => ({
      api,
      client: new api.LambdaClient(
        this.local
          ? {
              endpoint: this.local.endpoint,
              region: this.local.region ?? 'local',
              credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
            }
          : {},
      ),
    }));
    const { api, client } = await this.sdk;
    const r = await client.send(
      new api.InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify({ jobId })),
      }),
    );
    if (r.StatusCode !== 202) throw new Error(`Lambda did not queue the publisher (status ${r.StatusCode})`);
  }
}

/** No publisher function configured: a publication request cannot be started (a deployment error). */
export class NoPublisher implements PublisherInvoker {
  async start(): Promise<void> {
    throw new Error('No publisher function is configured (OPEN_DATA_PUBLISHER_FUNCTION)');
  }
}
