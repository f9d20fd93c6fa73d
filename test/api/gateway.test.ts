import { Agent, request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { MAX_CSV_BODY_BYTES } from '../../functions/shared/adapters/http';

/** One keep-alive socket for every request, as a browser or an SDK client holds it. */
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
afterAll(() => agent.destroy());

function send(method: string, path: string, body?: Buffer, headers: Record<string, string> = {}) {
  // The local gateway's own connection handling: straight to it, not through the validating proxy.
  return new Promise<{ status: number; text: string; reused: boolean }>((done, fail) => {
    const req = request(new URL(path, inject('gatewayUrl')), { method, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => done({ status: res.statusCode!, text, reused: req.reusedSocket }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

// Megabytes beyond the cap: still arriving when the gateway decides, which is when a reset used to happen.
const huge = Buffer.alloc(MAX_CSV_BODY_BYTES + 2 * 1024 * 1024, 'a');

describe('the local gateway', () => {
  it.each([
    ['a declared length', { 'content-type': 'text/csv' }],
    ['chunked', { 'content-type': 'text/csv', 'transfer-encoding': 'chunked' }],
  ])('refuses a body too large for any route (%s) with 413 and keeps serving the connection', async (_, headers) => {
    expect((await send('GET', '/v1/health')).status).toBe(200);
    const refused = await send('POST', '/v1/bank-statements?date=2026-03-01', huge, headers);
    expect(refused.status).toBe(413);
    expect(JSON.parse(refused.text)).toMatchObject({ type: expect.stringMatching(/payload-too-large$/) });
    // The next request goes out on the same connection and is answered, not reset.
    const next = await send('GET', '/v1/health');
    expect(next).toMatchObject({ status: 200, reused: true });
    expect(JSON.parse(next.text)).toEqual({ status: 'ok' });
  });

  it("answers page addresses with their app's page, files as files, and unknown files with 404", async () => {
    const portal = await send('GET', '/r/R2026000001?c=ABCD');
    expect(portal.status).toBe(200);
    expect(portal.text).toMatch(/<html lang="zh-CN"/);
    const consolePage = await send('GET', '/console/finance');
    expect(consolePage.status).toBe(200);
    expect(consolePage.text).toContain('/console/assets/');
    expect(consolePage.text).not.toBe(portal.text);
    const asset = consolePage.text.match(/\/console\/assets\/[^"]+\.js/)![0];
    expect((await send('GET', asset)).status).toBe(200);
    expect((await send('GET', '/console/assets/missing.js')).status).toBe(404);
  });

  it('sends the web apps gzipped to a client that accepts it, and plain to one that does not', async () => {
    const page = await fetch(`${inject('gatewayUrl')}/catalog`);
    const script = (await page.text()).match(/\/assets\/[^"]+\.js/)![0];
    const raw = (accept?: string) =>
      new Promise<{ encoding?: string; vary?: string; body: Buffer }>((done, fail) => {
        const req = request(
          new URL(script, inject('gatewayUrl')),
          { headers: accept ? { 'accept-encoding': accept } : {} },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (d: Buffer) => chunks.push(d));
            res.on('end', () =>
              done({ encoding: res.headers['content-encoding'], vary: res.headers.vary, body: Buffer.concat(chunks) }),
            );
          },
        );
        req.on('error', fail);
        req.end();
      });
    const zipped = await raw('gzip, deflate, br');
    const plain = await raw();
    expect(zipped.encoding).toBe('gzip');
    expect(zipped.vary).toBe('accept-encoding');
    expect(plain.encoding).toBeUndefined();
    expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
    expect(zipped.body.length).toBeLessThan(plain.body.length / 2);
  });
});
