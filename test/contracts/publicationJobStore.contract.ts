import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PublicationJob, PublicationJobStore } from '../../functions/opendata/ports';

/**
 * The PublicationJobStore contract (functions/opendata/ports.ts), run against the in-memory fake
 * (test/unit/opendata) and the OpenData table adapter (test/integration/opendata). Every test uses
 * job ids of its own, so runs against the shared DynamoDB Local never collide.
 */
const queued = (): PublicationJob => ({
  jobId: `20250715T040000000Z-${randomBytes(6).toString('hex')}`,
  status: 'queued',
  requestedAt: '2025-07-15T04:00:00.000Z',
});

const release = {
  id: '20250715T040001000Z-abcdef',
  datasetId: 'fee-catalog' as const,
  publishedAt: '2025-07-15T04:00:01.000Z',
  sha256: 'a'.repeat(64),
  rowCount: 3,
  disclosure: { k: 5, primarySuppressed: 0, secondarySuppressed: 0, smallestPublishedCount: null },
  periodsUpTo: null,
};

export function describePublicationJobStoreContract(name: string, makeStore: () => PublicationJobStore): void {
  describe(`PublicationJobStore contract: ${name}`, () => {
    it('returns a created job as it was created, and nothing for an id it never had', async () => {
      const store = makeStore();
      const job = queued();
      await store.create(job);
      expect(await store.get(job.jobId)).toEqual(job);
      expect(await store.get(queued().jobId)).toBeUndefined();
      await expect(store.create({ ...job, requestedAt: '2026-01-01T00:00:00.000Z' })).rejects.toThrow();
      expect(await store.get(job.jobId)).toEqual(job);
    });

    it('starts a queued job once, and never one it does not have', async () => {
      const store = makeStore();
      const job = queued();
      await store.create(job);
      expect(await store.start(job.jobId, '2025-07-15T04:00:01.000Z')).toBe(true);
      expect(await store.start(job.jobId, '2025-07-15T04:00:02.000Z')).toBe(false);
      expect(await store.get(job.jobId)).toEqual({ ...job, status: 'running', startedAt: '2025-07-15T04:00:01.000Z' });
      expect(await store.start(queued().jobId, '2025-07-15T04:00:01.000Z')).toBe(false);
      expect(await store.get(queued().jobId)).toBeUndefined();
    });

    it('records the outcome of a running or queued job, and a finished job stays as it finished', async () => {
      const store = makeStore();
      const job = queued();
      await store.create(job);
      await store.start(job.jobId, '2025-07-15T04:00:01.000Z');
      const outcome = {
        status: 'succeeded' as const,
        finishedAt: '2025-07-15T04:00:05.000Z',
        publicationId: release.id,
        published: true,
        releases: [release],
      };
      await store.finish(job.jobId, outcome);
      expect(await store.get(job.jobId)).toEqual({ ...job, startedAt: '2025-07-15T04:00:01.000Z', ...outcome });
      await expect(
        store.finish(job.jobId, { status: 'failed', finishedAt: '2025-07-15T04:00:06.000Z' }),
      ).rejects.toThrow();
      expect((await store.get(job.jobId))?.status).toBe('succeeded');

      const never = queued();
      await store.create(never);
      const error = { type: 'https://x/problems/internal-error', title: 'Internal error', detail: 'not started' };
      await store.finish(never.jobId, { status: 'failed', finishedAt: '2025-07-15T04:00:01.000Z', error });
      expect(await store.get(never.jobId)).toEqual({
        ...never,
        status: 'failed',
        finishedAt: '2025-07-15T04:00:01.000Z',
        error,
      });
    });
  });
}
