import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Which IP addresses a webhook may never be delivered to (CONTRACT.md, Delivery guarantees: loopback, private,
 * link-local and metadata addresses are refused unless `WEBHOOK_ALLOW_PRIVATE=true`). Pure: no DNS, no I/O.
 *
 * The ranges come from ipaddr.js's special-purpose tables (the same tables `request-filtering-agent` uses, so
 * this policy refuses at least everything that agent refuses), plus what those tables miss:
 * - cloud metadata endpoints, named as such even when a wider range would also catch them, and Azure's
 *   168.63.129.16, which is a public address;
 * - IPv6 outside 2000::/3 (global unicast), e.g. the deprecated IPv4-compatible `::a.b.c.d` that ipaddr.js
 *   calls unicast;
 * - IPv6 forms that carry an IPv4 address (mapped `::ffff:a.b.c.d`, translated, compatible, NAT64 `64:ff9b::/96`,
 *   6to4) are refused whatever they carry; when the carried address is itself refused, the reason names it.
 * Anything that is not a canonical IPv4 dotted quad or an IPv6 address is refused (`invalid`): fail closed.
 */
export type RefusalReason =
  | 'invalid'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'carrier-grade-nat'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'unique-local'
  | 'site-local'
  | 'ipv4-mapped'
  | 'ipv4-translated'
  | 'ipv4-compatible'
  | 'nat64'
  | '6to4'
  | 'teredo'
  | 'not-global-unicast';

export interface AddressRefusal {
  readonly address: string;
  readonly reason: RefusalReason;
  /** The IPv4 address carried by an IPv6 transition form, when that address is what is refused. */
  readonly embedded?: string;
}

/** Instance-metadata and platform endpoints of the main clouds. */
const METADATA_ADDRESSES: ReadonlySet<string> = new Set([
  '169.254.169.254', // AWS, GCP, Azure, DigitalOcean, OpenStack, Oracle
  '169.254.170.2', // AWS ECS task metadata
  '169.254.170.23', // AWS EKS pod identity
  '100.100.100.200', // Alibaba Cloud
  '192.0.0.192', // Oracle Cloud (legacy)
  '168.63.129.16', // Azure WireServer (a public address)
  'fd00:ec2::254', // AWS IMDS over IPv6
  'fd00:ec2::23', // AWS EKS pod identity over IPv6
  'fd20:ce::254', // GCP metadata over IPv6
]);

const IPV4_REASONS: Readonly<Record<string, RefusalReason>> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade-nat',
  private: 'private',
};

const IPV6_REASONS: Readonly<Record<string, RefusalReason>> = {
  unspecified: 'unspecified',
  linkLocal: 'link-local',
  multicast: 'multicast',
  loopback: 'loopback',
  uniqueLocal: 'unique-local',
  deprecatedSiteLocal: 'site-local',
  ipv4Mapped: 'ipv4-mapped',
  rfc6145: 'ipv4-translated',
  rfc6052: 'nat64',
  '6to4': '6to4',
  teredo: 'teredo',
};

const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

/** Why `ip` is refused, or undefined when it is a public unicast address a webhook may be delivered to. */
export function addressRefusal(ip: string): AddressRefusal | undefined {
  const family = isIP(ip);
  if (family === 4) return ipv4Refusal(ipaddr.IPv4.parse(ip), ip);
  if (family === 6) return ipv6Refusal(ipaddr.IPv6.parse(hexTail(ip)), ip);
  return { address: ip, reason: 'invalid' };
}

export function isForbiddenAddress(ip: string): boolean {
  return addressRefusal(ip) !== undefined;
}

/** A sentence for error messages and delivery records, e.g. "127.0.0.1 is a loopback address". */
export function describeRefusal(refusal: AddressRefusal): string {
  if (refusal.reason === 'invalid') return `${JSON.stringify(refusal.address)} is not an IP address`;
  const carried = refusal.embedded === undefined ? '' : ` (it carries ${refusal.embedded})`;
  return `${refusal.address} is a ${refusal.reason} address${carried}`;
}

function ipv4Refusal(addr: ipaddr.IPv4, original: string): AddressRefusal | undefined {
  const canonical = addr.toString();
  if (METADATA_ADDRESSES.has(canonical)) return { address: original, reason: 'metadata' };
  const range = addr.range();
  if (range === 'unicast') return undefined;
  return { address: original, reason: IPV4_REASONS[range] ?? 'reserved' };
}

function ipv6Refusal(addr: ipaddr.IPv6, original: string): AddressRefusal | undefined {
  const plain = new ipaddr.IPv6(addr.parts); // without a zone id
  if (METADATA_ADDRESSES.has(plain.toRFC5952String())) return { address: original, reason: 'metadata' };
  const range = plain.range();
  const carried = carriedIPv4(plain, range);
  if (carried !== undefined) {
    const inner = ipv4Refusal(carried, carried.toString());
    if (inner !== undefined) return { address: original, reason: inner.reason, embedded: inner.address };
  }
  if (range !== 'unicast') return { address: original, reason: IPV6_REASONS[range] ?? 'reserved' };
  if (plain.match(IPV4_COMPATIBLE)) return { address: original, reason: 'ipv4-compatible' };
  if (!plain.match(GLOBAL_UNICAST)) return { address: original, reason: 'not-global-unicast' };
  return undefined;
}

/**
 * `::a.b.c.d` written with a hex tail: ipaddr.js reads the dotted form `::a.b.c.d` as `::ffff:a.b.c.d` (mapped),
 * while the socket connects to the IPv4-compatible `::a.b.c.d`. Only called on a string `isIP` accepted.
 */
function hexTail(ip: string): string {
  return ip.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)(?=%|$)/, (_all, a, b, c, d) => {
    const word = (high: string, low: string) => ((Number(high) << 8) | Number(low)).toString(16);
    return `${word(a, b)}:${word(c, d)}`;
  });
}

/** The IPv4 address inside an IPv6 transition form whose position is fixed, if `addr` is one. */
function carriedIPv4(addr: ipaddr.IPv6, range: string): ipaddr.IPv4 | undefined {
  const p = addr.parts;
  const fromWords = (high: number, low: number) =>
    new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  if (range === 'ipv4Mapped' || range === 'rfc6145' || addr.match(NAT64_WELL_KNOWN)) {
    return fromWords(p[6]!, p[7]!);
  }
  if (range === '6to4') return fromWords(p[1]!, p[2]!);
  if (range === 'unicast' && addr.match(IPV4_COMPATIBLE)) return fromWords(p[6]!, p[7]!);
  return undefined;
}
