import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAllowedAddress, type AddressRules } from '../../../functions/webhooks/adapters/addresses';
import { HttpWebhookSender } from '../../../functions/webhooks/adapters/httpSender';

/**
 * The sender over real sockets: the address rules are applied where the connection is made, so DNS
 * that changes its answer after registration (rebinding) is caught at delivery. A resolver of the
 * test's own stands in for DNS; the receiver is a real server on 127.0.0.1 (the local stack's rule).
 */
let server: Server;
let port: number;
const seen: { path: string; host: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', host: req.headers.host ?? '' });
    // A fresh connection per request, so every request resolves the host again.
    res.setHeader('connection', 'close');
    if (req.url === '/hang') return;
    if (req.url === '/redirect') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' });
      return res.end();
    }
    req.resume();
    req.on('end', () => {
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

function senderWith(dns: Record<string, string[][]>, rules: AddressRules = { allowLoopback: true }, timeoutMs = 2000) {
  const asked: string[] = [];
  const sender = new HttpWebhookSender(() => rules, {
    timeoutMs,
    check: async (host, r) => {
      asked.push(host);
      const answers = dns[host]!;
      const addresses = answers.length > 1 ? answers.shift()! : answers[0]!;
      return addresses.every((a) => isAllowedAddress(a, r))
        ? { ok: true as const, addresses }
        : { ok: false as const, reason: 'not-public' as const };
    },
  });
  return { sender, asked };
}

const post = (s: HttpWebhookSender, url: string) =>
  s.post({ url, headers: { 'content-type': 'application/json', 'webhook-id': 'msg_1' }, body: '{}' });

describe('webhook sender', () => {
  it('connects to the address it checked, and refuses when the host later resolves somewhere private', async () => {
    const { sender, asked } = senderWith({ 'dept.example': [['127.0.0.1'], ['127.0.0.1', '169.254.169.254']] });
    const before = seen.length;
    expect(await post(sender, `http://dept.example:${port}/first`)).toEqual({ statusCode: 204 });
    expect(seen.slice(before)).toEqual([{ path: '/first', host: `dept.example:${port}` }]);
    expect(await post(sender, `http://dept.example:${port}/second`)).toEqual({ error: 'address-not-allowed' });
    expect(seen.slice(before)).toHaveLength(1);
    expect(asked).toEqual(['dept.example', 'dept.example']);
  });

  it('refuses loopback when deployed, and address literals without asking DNS', async () => {
    const { sender, asked } = senderWith({ 'dept.example': [['127.0.0.1']] }, { allowLoopback: false });
    expect(await post(sender, `http://dept.example:${port}/x`)).toEqual({ error: 'address-not-allowed' });
    expect(await post(sender, `http://127.0.0.1:${port}/x`)).toEqual({ error: 'address-not-allowed' });
    expect(await post(sender, 'http://169.254.169.254/latest/meta-data')).toEqual({ error: 'address-not-allowed' });
    expect(await post(sender, 'http://[::ffff:a9fe:a9fe]/')).toEqual({ error: 'address-not-allowed' });
    expect(asked).toEqual(['dept.example']);
  });

  it('does not follow redirects, and gives up on a receiver that does not answer in time', async () => {
    const { sender } = senderWith({}, { allowLoopback: true }, 300);
    expect(await post(sender, `http://127.0.0.1:${port}/redirect`)).toEqual({ statusCode: 302 });
    const before = seen.length;
    expect(await post(sender, `http://127.0.0.1:${port}/hang`)).toEqual({ error: 'timeout' });
    expect(seen.slice(before).map((s) => s.path)).toEqual(['/hang']);
    expect(await post(sender, 'http://127.0.0.1:1/closed')).toEqual({ error: 'connection' });
  });
});
