import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyAddress, matchesAllowlist } from '../../../src/net/url-guard.js';

describe('snapshot URL address checks', () => {
  const cases: Array<[string, string]> = [
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['[::ffff:a9fe:a9fe]', 'metadata'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:7f00:1::1', 'loopback'],
    // Issue 16 finding 8: NAT64 local use, Teredo, more metadata endpoints, embedded IPv4 forms.
    ['64:ff9b:1::a00:1', 'private'],
    ['64:ff9b:1:abcd::8.8.8.8', 'private'],
    ['64:ff9b::8.8.8.8', 'public'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['2001::1', 'reserved'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'],
    ['2002:a00:1::1', 'private'],
    ['2002:808:808::1', 'public'],
    ['::ffff:0:7f00:1', 'loopback'],
    ['::10.0.0.1', 'private'],
    ['169.254.170.2', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['fd00:ec2::23', 'metadata'],
    ['192.0.2.1', 'reserved'],
    ['fec0::1', 'private'],
    ['100::1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['[2606:4700:4700::1111]', 'public'],
    ['1.1.1.1', 'public'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['not-an-ip', 'reserved'],
  ];
  for (const [ip, cls] of cases) {
    it(`classifies ${ip} as ${cls}`, () => assert.equal(classifyAddress(ip), cls));
  }
});

describe('snapshot URL allow-list', () => {
  const list = ['http://127.0.0.1:8080/snapshots/', 'https://backups.example.com/q', 'http://[::1]:9000/'];
  const ok = (u: string): boolean => matchesAllowlist(new URL(u), list);
  it('matches the same scheme, host, port and a path at or below the entry', () => {
    assert.equal(ok('http://127.0.0.1:8080/snapshots/a.snapshot'), true);
    assert.equal(ok('https://backups.example.com/q'), true);
    assert.equal(ok('https://BACKUPS.example.com:443/q/x.snapshot'), true);
    assert.equal(ok('http://[::1]:9000/anything'), true);
  });
  it('does not match look-alike hosts, other ports, schemes or sibling paths', () => {
    assert.equal(ok('http://127.0.0.1:8081/snapshots/a.snapshot'), false);
    assert.equal(ok('https://127.0.0.1:8080/snapshots/a.snapshot'), false);
    assert.equal(ok('https://backups.example.com.evil.net/q/x'), false);
    assert.equal(ok('https://backups.example.com/qq/x'), false);
    assert.equal(ok('http://127.0.0.1:8080/snapshots/../admin'), false);
    assert.equal(ok('http://127.0.0.1:8080/other'), false);
    assert.equal(ok('http://localhost:8080/snapshots/a'), false);
  });
  it('ignores invalid entries', () => {
    assert.equal(matchesAllowlist(new URL('http://a/'), ['not a url', '']), false);
  });
});
