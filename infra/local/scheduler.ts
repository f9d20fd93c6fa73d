import type { Context } from 'aws-lambda';
import { ORDER_SWEEP_SCHEDULE, PUBLISH_SCHEDULE } from '../functions';
import { log } from '../../functions/shared/adapters/log';
import { lambdaContext, loadHandler } from './gateway';

/**
 * The local stand-in for the publisher's EventBridge rule: runs the publisher every
 * PUBLISH_SCHEDULE.everyMs (the interval of the stack's cron expression) and on demand, and runs the
 * publication jobs the local Lambda service hands it (infra/local/lambda.ts). Runs never overlap; a
 * run on demand while one is going waits for it and then runs.
 */
export interface PublishScheduler {
  runNow(): Promise<unknown>;
  /** Runs the publisher on `event` (an asynchronous invocation's payload), after any run in progress. */
  invoke(event: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

type ScheduledHandler = (event: unknown, context: Context) => Promise<unknown>;

export function startPublishScheduler(opts: { everyMs?: number; handler?: ScheduledHandler } = {}): PublishScheduler {
  const everyMs = opts.everyMs ?? PUBLISH_SCHEDULE.everyMs;
  let running: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const run = (given?: unknown): Promise<unknown> => {
    const next = running
      .catch(() => undefined)
      .then(async () => {
        const handler = opts.handler ?? ((await loadHandler('publisher')) as ScheduledHandler);
        const event = given ?? {
          version: '0',
          id: crypto.randomUUID(),
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          account: '000000000000',
          time: new Date().toISOString(),
          region: 'local',
          resources: ['arn:aws:events:local:000000000000:rule/publisher'],
          detail: {},
        };
        return handler(event, lambdaContext('publisher'));
      });
    running = next;
    return next;
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      run()
        .catch((e: unknown) =>
          log('error', 'scheduled publication failed', {
            error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
          }),
        )
        .finally(schedule);
    }, everyMs);
    timer.unref();
  };
  schedule();

  return {
    runNow: () => run(),
    invoke: (event) => run(event),
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running.catch(() => undefined);
    },
  };
}

export interface SweepScheduler {
  /** Sweeps now (after any sweep in progress). */
  runNow(): Promise<unknown>;
  stop(): Promise<void>;
}

/** The local stand-in for the order sweep's EventBridge rule: every ORDER_SWEEP_SCHEDULE.everyMs, never overlapping. */
export function startSweepScheduler(opts: { everyMs?: number } = {}): SweepScheduler {
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const run = () => {
    running = running
      .catch(() => undefined)
      .then(async () => ((await loadHandler('orderSweep')) as ScheduledHandler)({}, lambdaContext('orderSweep')));
    return running;
  };
  const timer = setInterval(() => {
    if (!stopped)
      run().catch((e: unknown) =>
        log('error', 'order sweep failed', { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }),
      );
  }, opts.everyMs ?? ORDER_SWEEP_SCHEDULE.everyMs);
  timer.unref();
  return {
    runNow: run,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running.catch(() => undefined);
    },
  };
}
