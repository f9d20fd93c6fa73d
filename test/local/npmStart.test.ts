import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../../infra/local/dynamodb';
import {
  commandOf,
  listening,
  type NpmStart,
  npmStart,
  portIsFree,
  processGroup,
  spawnNpmStart,
} from '../support/npmStart';

/**
 * A process manager, a CI job or `kill <pid>` stops `npm start` with SIGTERM to the npm process,
 * not with Ctrl-C to the terminal's whole process group. Everything the stack started (node, and
 * DynamoDB Local's java) must stop with it and free its ports. Before the fix, npm's shell died of
 * the signal and left the stack running, orphaned, on both ports; and a signal during start-up
 * killed node at once and left DynamoDB Local running.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'one-window-npm-start-'));
const stacks: NpmStart[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(() => {
  for (const s of stacks) s.kill();
  rmSync(dataDir, { recursive: true, force: true });
});

async function gone(stack: NpmStart, ports: number[], withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (processGroup(stack.pgid).length > 0 && Date.now() < deadline) await sleep(100);
  expect(
    processGroup(stack.pgid).map((pid) => commandOf(pid)),
    `left running:\n${stack.output()}`,
  ).toEqual([]);
  for (const port of ports) expect(await portIsFree(port), `port ${port} free`).toBe(true);
}

it('SIGTERM to the npm process stops every process of the stack and frees its ports', async () => {
  const [port, dynamoPort] = [await freePort(), await freePort()];
  const stack = await npmStart({ port, dynamoPort, dataDir: join(dataDir, 'running') });
  stacks.push(stack);
  const running = processGroup(stack.pgid).map((pid) => commandOf(pid));
  expect(running).toEqual(expect.arrayContaining(['npm', 'node', 'java']));
  expect(await listening(dynamoPort)).toBe(true);

  stack.npm.kill('SIGTERM');
  await gone(stack, [port, dynamoPort], 15_000);
  expect(stack.output()).toContain('SIGTERM: stopping');
}, 180_000);

it('SIGTERM while the stack is still starting stops it too, DynamoDB Local included', async () => {
  const [port, dynamoPort] = [await freePort(), await freePort()];
  const stack = spawnNpmStart({ port, dynamoPort, dataDir: join(dataDir, 'starting') });
  stacks.push(stack);
  const deadline = Date.now() + 120_000;
  // DynamoDB Local answers on its port while the stack creates tables and keys: the gateway is not up yet.
  while (!processGroup(stack.pgid).some((pid) => commandOf(pid) === 'java') || !(await listening(dynamoPort))) {
    if (Date.now() > deadline) throw new Error(`DynamoDB Local never started:\n${stack.output()}`);
    await sleep(50);
  }
  expect(await listening(port), 'the API is not up yet').toBe(false);
  stack.npm.kill('SIGTERM');
  await gone(stack, [port, dynamoPort], 45_000);
}, 180_000);
