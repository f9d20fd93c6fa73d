import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../../infra/local/dynamodb';
import { type NpmStart, npmStart, portIsFree, processGroup } from '../support/npmStart';

/**
 * A process manager, a CI job or `kill <pid>` stops `npm start` with SIGTERM to the npm process,
 * not with Ctrl-C to the terminal's whole process group. Everything the stack started (node, and
 * DynamoDB Local's java) must stop with it and free its ports; before the fix, npm's shell died and
 * left the stack running, orphaned, on both ports.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'one-window-npm-start-'));
let stack: NpmStart | undefined;

afterAll(() => {
  stack?.kill();
  rmSync(dataDir, { recursive: true, force: true });
});

it('SIGTERM to the npm process stops every process of the stack and frees its ports', async () => {
  const [port, dynamoPort] = [await freePort(), await freePort()];
  stack = await npmStart({ port, dynamoPort, dataDir });
  const running = processGroup(stack.pgid);
  // npm and node at least, and DynamoDB Local's java among them.
  expect(running.length).toBeGreaterThanOrEqual(3);
  expect(await portIsFree(dynamoPort)).toBe(false);

  stack.npm.kill('SIGTERM');
  const deadline = Date.now() + 15_000;
  while (processGroup(stack.pgid).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(processGroup(stack.pgid), `left running after SIGTERM:\n${stack.output()}`).toEqual([]);
  expect([await portIsFree(port), await portIsFree(dynamoPort)]).toEqual([true, true]);
  expect(stack.output()).toContain('SIGTERM: stopping');
}, 180_000);
