import { expect } from 'vitest';
import { api, type ApiResponse } from './api';

/**
 * `POST /v1/open/publish` answers 202 with a job; the publisher does the work. Tests that publish
 * and then read releases request a publication and poll the job's Location until it has finished.
 * `send` is the test file's own HTTP helper (some check every response against the OpenAPI document).
 */
export type Send = (method: string, path: string, opts: { token: string }) => Promise<ApiResponse>;

const viaApi: Send = (method, path, opts) => api(method, path, opts);

export async function pollPublication(location: string, token: string, send: Send = viaApi, timeoutMs = 60_000) {
  const path = new URL(location, 'http://localhost').pathname;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await send('GET', path, { token });
    expect(job.status, job.text).toBe(200);
    if (job.body.status === 'succeeded' || job.body.status === 'failed') return job;
    if (Date.now() > deadline) throw new Error(`publication job still ${job.body.status} after ${timeoutMs} ms`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

/** Requests a publication and waits for it: the finished job (`publicationId`, `published`, `releases`). */
export async function publishAndWait(token: string, send: Send = viaApi) {
  const requested = await send('POST', '/v1/open/publish', { token });
  expect(requested.status, requested.text).toBe(202);
  const job = await pollPublication(requested.headers.get('location')!, token, send);
  expect(job.body.status, JSON.stringify(job.body.error)).toBe('succeeded');
  return job.body as { jobId: string; publicationId: string; published: boolean; releases: any[] };
}
