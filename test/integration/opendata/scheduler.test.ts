import { describe, expect, it } from 'vitest';
import { startPublishScheduler } from '../../../infra/local/scheduler';
import { releasesTable } from '../../../functions/opendata/wiring';

describe('local publish scheduler', () => {
  it('runs the handler on its interval with an EventBridge scheduled event, never overlapping, and stops cleanly', async () => {
    const events: { source?: string; 'detail-type'?: string }[] = [];
    let running = 0;
    let maxRunning = 0;
    const scheduler = startPublishScheduler({
      everyMs: 40,
      handler: async (e) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        events.push(e as (typeof events)[number]);
        await new Promise((r) => setTimeout(r, 30));
        running--;
        return undefined;
      },
    });
    await Promise.all([scheduler.runNow(), scheduler.runNow()]);
    await new Promise((r) => setTimeout(r, 300));
    await scheduler.stop();
    const after = events.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(events.length).toBe(after); // stopped means stopped
    expect(after).toBeGreaterThanOrEqual(4);
    expect(maxRunning).toBe(1);
    expect(events[0]).toMatchObject({ source: 'aws.events', 'detail-type': 'Scheduled Event' });
  });

  it('publishes on demand through the real publisher function', async () => {
    const scheduler = startPublishScheduler();
    try {
      const result = (await scheduler.runNow()) as { publicationId: string; published: boolean };
      expect(result.publicationId).toMatch(/^\d{8}T\d{9}Z-[0-9a-f]{6}$/);
      expect(await releasesTable().getRelease('fee-catalog', result.publicationId)).toMatchObject({
        id: result.publicationId,
      });
    } finally {
      await scheduler.stop();
    }
  });
});
