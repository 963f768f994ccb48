import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ipaddr from 'ipaddr.js';
import {
  addressRefusal,
  describeRefusal,
  isForbiddenAddress,
  type RefusalReason,
} from '../../src/webhooks/address-policy.js';

// CONTRACT.md, Delivery guarantees: loopback, private, link-local and metadata addresses are refused; issue 3
// adds IPv6-mapped forms. Each row: address, expected reason (undefined = deliverable), carried IPv4 if any.

const PUBLIC: readonly string[] = [
  '8.8.8.8',
  '1.1.1.1',
  '93.184.216.34',
  '1.0.0.0',
  '11.0.0.1', // just past 10/8
  '100.63.255.255', // just below 100.64/10
  '100.128.0.0', // just past 100.64/10
  '126.255.255.255', // just below 127/8
  '128.0.0.0',
  '169.253.255.255', // just below 169.254/16
  '169.255.0.0', // just past 169.254/16
  '172.15.255.255', // just below 172.16/12
  '172.32.0.0', // just past 172.16/12
  '192.167.255.255', // just below 192.168/16
  '192.169.0.0', // just past 192.168/16
  '223.255.255.255', // last before multicast
  '2606:4700:4700::1111',
  '2001:4860:4860::8888',
  '2a00:1450:4007:80e::200e',
];

const REFUSED: readonly (readonly [string, RefusalReason, string?])[] = [
  // IPv4
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.0.0.1', 'private'],
  ['10.255.255.255', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['169.254.0.1', 'link-local'],
  ['169.254.169.254', 'metadata'],
  ['169.254.170.2', 'metadata'],
  ['100.64.0.1', 'carrier-grade-nat'],
  ['100.127.255.255', 'carrier-grade-nat'],
  ['100.100.100.200', 'metadata'],
  ['168.63.129.16', 'metadata'],
  ['192.0.0.192', 'metadata'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  ['240.0.0.1', 'reserved'],
  ['192.0.0.8', 'reserved'],
  ['192.0.2.1', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['198.51.100.1', 'reserved'],
  ['203.0.113.1', 'reserved'],
  ['192.88.99.1', 'reserved'],
  // IPv6
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['fc00::1', 'unique-local'],
  ['fd12:3456::1', 'unique-local'],
  ['fd00:ec2::254', 'metadata'],
  ['fd20:ce::254', 'metadata'],
  ['fec0::1', 'site-local'],
  ['ff02::1', 'multicast'],
  ['2001:db8::1', 'reserved'],
  ['100::1', 'reserved'],
  ['3fff::1', 'reserved'],
  ['4000::1', 'not-global-unicast'],
  ['e000::1', 'not-global-unicast'],
  ['2001::1', 'teredo'],
  // IPv6 forms carrying an IPv4 address: named after the carried address when that one is refused…
  ['::ffff:127.0.0.1', 'loopback', '127.0.0.1'],
  ['::ffff:7f00:1', 'loopback', '127.0.0.1'],
  ['0:0:0:0:0:ffff:7f00:0001', 'loopback', '127.0.0.1'],
  ['::ffff:10.0.0.1', 'private', '10.0.0.1'],
  ['::ffff:169.254.169.254', 'metadata', '169.254.169.254'],
  ['::ffff:0:127.0.0.1', 'loopback', '127.0.0.1'],
  ['::127.0.0.1', 'loopback', '127.0.0.1'],
  ['::7f00:1', 'loopback', '127.0.0.1'],
  ['64:ff9b::7f00:1', 'loopback', '127.0.0.1'],
  ['64:ff9b::10.0.0.1', 'private', '10.0.0.1'],
  ['64:ff9b::a9fe:a9fe', 'metadata', '169.254.169.254'],
  ['2002:7f00:1::', 'loopback', '127.0.0.1'],
  ['2002:c0a8:101::1', 'private', '192.168.1.1'],
  // …and refused anyway when it is public: the relay cannot see where the gateway sends it
  ['::ffff:8.8.8.8', 'ipv4-mapped'],
  ['::ffff:0:8.8.8.8', 'ipv4-translated'],
  ['::8.8.8.8', 'ipv4-compatible'],
  ['64:ff9b::8.8.8.8', 'nat64'],
  ['64:ff9b:1::1', 'nat64'],
  ['2002:808:808::1', '6to4'],
  // not a canonical IP address: fail closed
  ['', 'invalid'],
  ['localhost', 'invalid'],
  ['2130706433', 'invalid'],
  ['0x7f.1', 'invalid'],
  ['0177.0.0.1', 'invalid'],
  ['127.1', 'invalid'],
  ['[::1]', 'invalid'],
  ['::ffff:127.1', 'invalid'],
  ['1.2.3.4.5', 'invalid'],
  ['256.0.0.1', 'invalid'],
];

describe('addressRefusal', () => {
  for (const address of PUBLIC) {
    it(`lets ${address} through`, () => {
      assert.equal(addressRefusal(address), undefined);
      assert.equal(isForbiddenAddress(address), false);
    });
  }

  for (const [address, reason, embedded] of REFUSED) {
    it(`refuses ${JSON.stringify(address)} as ${reason}${embedded ? ` (${embedded})` : ''}`, () => {
      const refusal = addressRefusal(address);
      assert.deepEqual(refusal, { address, reason, ...(embedded === undefined ? {} : { embedded }) });
      assert.equal(isForbiddenAddress(address), true);
    });
  }

  it('refuses everything ipaddr.js does not call unicast, as request-filtering-agent does', () => {
    const parsable = [...PUBLIC, ...REFUSED.map(([address]) => address)].filter((a) => ipaddr.isValid(a));
    assert.ok(parsable.length > 60);
    for (const address of parsable) {
      if (ipaddr.parse(address).range() !== 'unicast') assert.ok(isForbiddenAddress(address), address);
    }
  });
});

describe('describeRefusal', () => {
  it('says what the address is', () => {
    assert.equal(describeRefusal(addressRefusal('10.0.0.1')!), '10.0.0.1 is a private address');
  });

  it('names the carried IPv4 address of a mapped form', () => {
    assert.equal(
      describeRefusal(addressRefusal('::ffff:7f00:1')!),
      '::ffff:7f00:1 is a loopback address (it carries 127.0.0.1)',
    );
  });

  it('quotes what is not an address', () => {
    assert.equal(describeRefusal(addressRefusal('localhost')!), '"localhost" is not an IP address');
  });
});
