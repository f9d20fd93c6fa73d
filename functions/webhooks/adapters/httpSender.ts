import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { SendOutcome, SignedRequest, WebhookSender } from '../ports';
import { checkHost, isAllowedAddress, type AddressRules, type AddressVerdict } from './addresses';

/** Why a connection was refused by the address rules (not a network failure). */
class AddressNotAllowed extends Error {}

/**
 * Posts webhooks with Node's own HTTP client. The address rules are applied where the connection is
 * made: the socket's DNS lookup resolves the host, checks every address, and connects to a checked
 * one, so a host that resolved to a public address at registration and to 169.254.169.254 now (DNS
 * rebinding) is refused, and the check and the connection cannot see different answers. Redirects
 * are not followed (a 3xx is a failed attempt): a redirect could point anywhere.
 */
export class HttpWebhookSender implements WebhookSender {
  private readonly agents: { http: http.Agent; https: https.Agent };
  private readonly timeoutMs: number;

  constructor(
    private readonly rules: () => AddressRules,
    opts: {
      timeoutMs?: number;
      /** Resolves and checks a host name (tests give a resolver of their own). */
      check?: (hostname: string, rules: AddressRules) => Promise<AddressVerdict>;
    } = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    const check = opts.check ?? checkHost;
    const lookup: LookupFunction = (hostname, options, callback) => {
      check(hostname, this.rules()).then(
        (v) => {
          if (!v.ok) return callback(new AddressNotAllowed(v.reason), '', 4);
          const address = v.addresses[0]!;
          const family = address.includes(':') ? 6 : 4;
          if ((options as { all?: boolean }).all)
            return (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
              { address, family },
            ]);
          callback(null, address, family);
        },
        (e: Error) => callback(e as NodeJS.ErrnoException, '', 4),
      );
    };
    // Keep-alive: a burst of deliveries to one receiver reuses its connections.
    const options = { keepAlive: true, maxSockets: 50, lookup };
    this.agents = { http: new http.Agent(options), https: new https.Agent(options) };
  }

  post(r: SignedRequest): Promise<SendOutcome> {
    const url = new URL(r.url);
    const secure = url.protocol === 'https:';
    // An address literal is connected to without a lookup, so it is checked here.
    const literal = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(literal) && !isAllowedAddress(literal, this.rules()))
      return Promise.resolve({ error: 'address-not-allowed' });
    const client = secure ? https : http;
    return new Promise<SendOutcome>((resolve) => {
      const req = client.request(
        url,
        {
          method: 'POST',
          agent: secure ? this.agents.https : this.agents.http,
          headers: {
            ...r.headers,
            'content-length': String(Buffer.byteLength(r.body)),
            'user-agent': 'one-window-webhooks/1',
          },
          timeout: this.timeoutMs,
        },
        (res) => {
          // The receiver's body is never read into the log or the delivery record; drain it.
          res.resume();
          res.on('end', () => resolve({ statusCode: res.statusCode ?? 0 }));
          res.on('error', () => resolve({ statusCode: res.statusCode ?? 0 }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) =>
        resolve({
          error:
            e instanceof AddressNotAllowed ? 'address-not-allowed' : e.message === 'timeout' ? 'timeout' : 'connection',
        }),
      );
      req.end(r.body);
    });
  }
}
