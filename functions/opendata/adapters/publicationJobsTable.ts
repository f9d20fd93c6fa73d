import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { stripKeys, type DocClient } from '../../shared/adapters/dynamo';
import type { PublicationJob, PublicationJobStore, PublicationOutcome } from '../ports';

/**
 * Publication jobs in the OpenData table: pk `PUBJOB#<jobId>`, sk `JOB`. A job is polled for minutes
 * and then of no interest: it expires (TTL `expiresAt`) after JOB_TTL_DAYS; the releases it made stay.
 */
const keyOf = (jobId: string) => ({ pk: `PUBJOB#${jobId}`, sk: 'JOB' });
const JOB_TTL_DAYS = 30;

export class PublicationJobsTable implements PublicationJobStore {
  constructor(
    private readonly client: DocClient,
    private readonly table: string,
  ) {}

  async create(job: PublicationJob): Promise<void> {
    const expiresAt = Math.floor(Date.parse(job.requestedAt) / 1000) + JOB_TTL_DAYS * 86_400;
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...keyOf(job.jobId), ...job, expiresAt },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(jobId: string): Promise<PublicationJob | undefined> {
    const r = await this.client.send(new GetCommand({ TableName: this.table, Key: keyOf(jobId) }));
    if (!r.Item) return undefined;
    return stripKeys<PublicationJob>(r.Item, 'expiresAt');
  }

  async start(jobId: string, startedAt: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keyOf(jobId),
          UpdateExpression: 'SET #s = :running, startedAt = :at',
          ConditionExpression: '#s = :queued',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':running': 'running', ':queued': 'queued', ':at': startedAt },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async finish(jobId: string, outcome: PublicationOutcome): Promise<void> {
    const names: Record<string, string> = { '#s': 'status' };
    const values: Record<string, unknown> = { ':s': outcome.status, ':queued': 'queued', ':running': 'running' };
    const sets = ['#s = :s'];
    for (const field of ['finishedAt', 'publicationId', 'published', 'releases', 'error'] as const) {
      if (outcome[field] === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = outcome[field];
      sets.push(`#${field} = :${field}`);
    }
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keyOf(jobId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        // A finished job stays as it finished.
        ConditionExpression: '#s IN (:queued, :running)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }
}
