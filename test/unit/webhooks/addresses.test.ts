import { describe, expect, it } from 'vitest';
import { isAllowedAddress } from '../../../functions/webhooks/adapters/addresses';
import { checkEndpointUrl } from '../../../functions/webhooks/domain/endpoints';

const deployed = { allowLoopback: false };
const local = { allowLoopback: true };

describe('webhook address rules (SSRF)', () => {
  it.each([
    '10.0.0.1',
    '172.16.5.4',
    '172.31.255.255',
    '192.168.1.1',
    '127.0.0.1',
    '127.8.8.8',
    '0.0.0.0',
    '169.254.169.254',
    '169.254.0.1',
    '100.64.0.1',
    '192.0.2.10',
    '198.18.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd00:ec2::254',
    'ff02::1',
    '::ffff:169.254.169.254',
    '::ffff:10.0.0.1',
    '::ffff:7f00:1',
    '64:ff9b::a9fe:a9fe',
    '2001:db8::1',
    'not-an-address',
  ])('refuses %s when deployed', (a) => {
    expect(isAllowedAddress(a, deployed)).toBe(false);
  });

  it.each(['8.8.8.8', '1.1.1.1', '203.0.114.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '172.32.0.1'])(
    'allows the public address %s',
    (a) => expect(isAllowedAddress(a, deployed)).toBe(true),
  );

  it('allows loopback, and only loopback, on the local stack', () => {
    expect(isAllowedAddress('127.0.0.1', local)).toBe(true);
    expect(isAllowedAddress('::1', local)).toBe(true);
    expect(isAllowedAddress('10.0.0.1', local)).toBe(false);
    expect(isAllowedAddress('169.254.169.254', local)).toBe(false);
  });
});

describe('endpoint URL rules', () => {
  const rules = (allowLocalHttp: boolean, verdict: { ok: true } | { ok: false; reason: string } = { ok: true }) => ({
    allowLocalHttp,
    checkHost: async () => verdict,
  });
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => 'accepted',
      (e: { type: string; errors: { path: string }[]; message: string }) => ({
        type: e.type,
        paths: e.errors.map((x) => x.path),
        message: e.message,
      }),
    );

  it('takes https, and http only to 127.0.0.1 when the local setting allows it', async () => {
    expect((await checkEndpointUrl('https://hooks.example.org/x', rules(false))).href).toBe(
      'https://hooks.example.org/x',
    );
    expect(await refusal(checkEndpointUrl('http://hooks.example.org/x', rules(true)))).toMatchObject({
      type: 'webhook-url-not-allowed',
      paths: ['url'],
    });
    expect(await refusal(checkEndpointUrl('http://127.0.0.1:9/x', rules(false)))).toMatchObject({ paths: ['url'] });
    expect((await checkEndpointUrl('http://127.0.0.1:9/x', rules(true))).port).toBe('9');
  });

  it('refuses credentials, fragments, what is not a URL, and hosts that fail the address rules, never echoing the URL', async () => {
    for (const url of ['https://u:p@hooks.example.org/', 'https://hooks.example.org/#x', 'hooks.example.org'])
      expect(await refusal(checkEndpointUrl(url, rules(false))), url).toMatchObject({ paths: ['url'] });
    const r = await refusal(
      checkEndpointUrl('https://metadata.attacker.example/', rules(false, { ok: false, reason: 'not-public' })),
    );
    expect(r).toMatchObject({ type: 'webhook-url-not-allowed', paths: ['url'] });
    expect(JSON.stringify(r)).not.toContain('attacker');
  });
});
