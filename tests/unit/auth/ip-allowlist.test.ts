import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { allows, deniedReason, parseAllowList } from '../../../src/auth/ip-allowlist.js';
import { isIpOrCidr } from '../../../src/config/spec.js';

void describe('parseAllowList / allows', () => {
  void it('allows every address when the list is empty', () => {
    const list = parseAllowList([]);
    assert.equal(allows(list, '203.0.113.9'), true);
    assert.equal(allows(list, '2001:db8::1'), true);
    assert.equal(allows(list, undefined), true);
  });

  void it('matches single IPv4 addresses exactly', () => {
    const list = parseAllowList(['10.1.2.3']);
    assert.equal(allows(list, '10.1.2.3'), true);
    assert.equal(allows(list, '10.1.2.4'), false);
  });

  void it('matches IPv4 CIDR ranges, including the edges', () => {
    const list = parseAllowList(['192.168.10.0/24']);
    assert.equal(allows(list, '192.168.10.0'), true);
    assert.equal(allows(list, '192.168.10.255'), true);
    assert.equal(allows(list, '192.168.11.0'), false);
    assert.equal(allows(list, '192.168.9.255'), false);
  });

  void it('ignores host bits after the prefix', () => {
    const list = parseAllowList(['10.1.2.3/8']);
    assert.equal(allows(list, '10.200.0.1'), true);
    assert.equal(allows(list, '11.0.0.1'), false);
  });

  void it('treats /0 as every address of that family and /32 as one address', () => {
    const any4 = parseAllowList(['0.0.0.0/0']);
    assert.equal(allows(any4, '198.51.100.7'), true);
    assert.equal(allows(any4, '2001:db8::1'), false);
    const one = parseAllowList(['198.51.100.7/32']);
    assert.equal(allows(one, '198.51.100.7'), true);
    assert.equal(allows(one, '198.51.100.8'), false);
  });

  void it('matches IPv6 addresses in any notation', () => {
    const list = parseAllowList(['2001:db8::7', '::1']);
    assert.equal(allows(list, '2001:db8::7'), true);
    assert.equal(allows(list, '2001:0DB8:0000:0000:0000:0000:0000:0007'), true);
    assert.equal(allows(list, '0:0:0:0:0:0:0:1'), true);
    assert.equal(allows(list, '2001:db8::8'), false);
    assert.equal(allows(list, '127.0.0.1'), false);
  });

  void it('matches IPv6 CIDR ranges', () => {
    const list = parseAllowList(['2001:db8:abcd::/48']);
    assert.equal(allows(list, '2001:db8:abcd:ffff::1'), true);
    assert.equal(allows(list, '2001:db8:abce::1'), false);
  });

  void it('treats an IPv4-mapped IPv6 peer as its IPv4 address', () => {
    const list = parseAllowList(['10.0.0.0/8', '127.0.0.1']);
    assert.equal(allows(list, '::ffff:10.9.8.7'), true);
    assert.equal(allows(list, '::FFFF:127.0.0.1'), true);
    assert.equal(allows(list, '::ffff:a09:807'), true);
    assert.equal(allows(list, '0:0:0:0:0:ffff:10.9.8.7'), true);
    assert.equal(allows(list, '::ffff:11.0.0.1'), false);
  });

  void it('treats an IPv4-mapped IPv6 entry as its IPv4 address', () => {
    const address = parseAllowList(['::ffff:10.1.2.3']);
    assert.equal(allows(address, '10.1.2.3'), true);
    assert.equal(allows(address, '10.1.2.4'), false);
    const range = parseAllowList(['::ffff:10.0.0.0/104']);
    assert.equal(allows(range, '10.255.0.1'), true);
    assert.equal(allows(range, '11.0.0.1'), false);
  });

  void it('accepts brackets, zones and surrounding spaces', () => {
    const list = parseAllowList([' [fe80::1] ', 'fe80::2%eth0', ' 10.0.0.1 ']);
    assert.deepEqual(list.entries, ['[fe80::1]', 'fe80::2%eth0', '10.0.0.1']);
    assert.equal(allows(list, 'fe80::1%eth0'), true);
    assert.equal(allows(list, 'fe80::2'), true);
    assert.equal(allows(list, '10.0.0.1'), true);
  });

  void it('refuses peers with no or unparsable address when the list is not empty', () => {
    const list = parseAllowList(['0.0.0.0/0', '::/0']);
    assert.equal(allows(list, undefined), false);
    assert.equal(allows(list, 'localhost'), false);
    assert.equal(allows(list, ''), false);
  });

  void it('throws an error naming the invalid entry', () => {
    const cases: [string, RegExp][] = [
      ['10.0.0.0/33', /"10\.0\.0\.0\/33" is not an IP address or CIDR range \(prefix must be 0\.\.32 for IPv4\)/],
      ['2001:db8::/129', /"2001:db8::\/129" .*prefix must be 0\.\.128 for IPv6/],
      ['10.0.0.0/', /"10\.0\.0\.0\/" .*prefix must be/],
      ['10.0.0.0/-1', /prefix must be/],
      ['10.0.0.0/8/8', /prefix must be/],
      ['example.com', /"example\.com" is not an IP address or CIDR range \("example\.com" is not an IPv4 or IPv6 address\)/],
      ['256.0.0.1', /"256\.0\.0\.1" is not/],
      ['', /"" is not an IP address or CIDR range \(empty entry\)/],
    ];
    for (const [entry, message] of cases) {
      assert.throws(() => parseAllowList(['127.0.0.1', entry]), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(error.message, /^service\.allowed_client_ips: /);
        assert.match(error.message, message);
        return true;
      }, entry);
    }
  });

  void it('accepts every entry the config validator accepts', () => {
    for (const entry of ['1.2.3.4', '1.2.3.4/0', '::', '::/0', '::ffff:1.2.3.4/128', 'fe80::1%eth0', '10.0.0.0/32']) {
      assert.equal(isIpOrCidr(entry), true, entry);
      assert.doesNotThrow(() => parseAllowList([entry]), entry);
    }
  });
});

void describe('deniedReason', () => {
  void it('names the refused address', () => {
    assert.equal(deniedReason('203.0.113.9'), 'client address 203.0.113.9 is not allowed');
    assert.equal(deniedReason(undefined), 'client address unknown is not allowed');
  });
});
