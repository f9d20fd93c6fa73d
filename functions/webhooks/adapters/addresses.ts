import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Which addresses a webhook may reach (SSRF, docs/adr/0016): public unicast only. Everything a
 * department could use to make this system call into the centre's own network or the cloud's
 * metadata service is refused: private, loopback, link-local (169.254.169.254, fe80::/10),
 * carrier-grade NAT, unspecified, documentation, benchmarking, multicast and reserved ranges, the
 * unique-local IPv6 range (AWS's IPv6 metadata address fd00:ec2::254 is in it), and IPv4 addresses
 * hidden in IPv6 forms (mapped, NAT64) by the IPv4 they carry.
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['100::', 64],
  ['2001:db8::', 32],
  ['2001::', 23],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** The IPv4 address an IPv6 address carries (::ffff:a.b.c.d, 64:ff9b::/96, ::a.b.c.d), if any. */
function embeddedIpv4(address: string): string | undefined {
  const m = /^(?:::ffff:|64:ff9b::|::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (m) return m[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return undefined;
  const [hi, lo] = [Number.parseInt(hex[1]!, 16), Number.parseInt(hex[2]!, 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

export interface AddressRules {
  /** The local stack only: loopback addresses are allowed (a receiver on 127.0.0.1). */
  allowLoopback: boolean;
}

export function isAllowedAddress(address: string, rules: AddressRules): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  const v4 = family === 6 ? embeddedIpv4(address) : address;
  if (v4 && isIP(v4) === 4) {
    if (rules.allowLoopback && loopback.check(v4, 'ipv4')) return true;
    return !blocked.check(v4, 'ipv4');
  }
  if (rules.allowLoopback && loopback.check(address, 'ipv6')) return true;
  return !blocked.check(address, 'ipv6');
}

/** Every address the host name resolves to (an IP literal resolves to itself). */
export async function resolveAll(hostname: string): Promise<string[]> {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare)) return [bare];
  const found = await lookup(bare, { all: true, verbatim: true });
  return found.map((a) => a.address);
}

export type AddressVerdict = { ok: true; addresses: string[] } | { ok: false; reason: 'unresolvable' | 'not-public' };

/**
 * Resolves and checks every address: one disallowed address refuses the host, since a client may
 * connect to any of them (and an attacker's DNS answers both a public and a private one).
 */
export async function checkHost(hostname: string, rules: AddressRules): Promise<AddressVerdict> {
  let addresses: string[];
  try {
    addresses = await resolveAll(hostname);
  } catch {
    return { ok: false, reason: 'unresolvable' };
  }
  if (addresses.length === 0) return { ok: false, reason: 'unresolvable' };
  if (!addresses.every((a) => isAllowedAddress(a, rules))) return { ok: false, reason: 'not-public' };
  return { ok: true, addresses };
}
