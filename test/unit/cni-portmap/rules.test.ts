import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePortmapConf } from '../../../src/cni/plugins/portmap-config.js';
import { attachmentLines, parseNatListing, removalLines, toplevelLines } from '../../../src/cni/plugins/portmap-iptables.js';
import { dnatChainName, dnatRules, entryRules, markHex } from '../../../src/cni/plugins/portmap-rules.js';
import { entryContainerId } from '../../../src/cni/plugins/portmap.js';
import { CniError } from '../../../src/cni/types.js';
import type { NetConf } from '../../../src/cni/types.js';

const prev = (addrs: string[]) => ({
  cniVersion: '1.0.0',
  interfaces: [{ name: 'cni0' }, { name: 'vethX' }, { name: 'eth0', sandbox: '/run/netns/p' }],
  ips: addrs.map((address) => ({ address, interface: 2 })),
});
const conf = (extra: Record<string, unknown>, mappings: unknown[], addrs = ['10.1.2.3/24']): NetConf =>
  ({ cniVersion: '1.0.0', name: 'pm', type: 'portmap', runtimeConfig: { portMappings: mappings }, prevResult: prev(addrs), ...extra });

describe('portmap rules (iptables backend, the reference layout)', () => {
  it('names the chain CNI-DN- + sha512(name + id), 28 characters', () => {
    assert.equal(dnatChainName('pm', 'c1'), 'CNI-DN-06fd4c128e9a14f3b4153'); // as Debian's 1.1.1 names it
    assert.equal(dnatChainName('a-long-network', 'x'.repeat(64)).length, 28);
  });

  it('writes hairpin, localhost and DNAT rules per mapping, hostIP as -d', () => {
    const c = parsePortmapConf(conf({}, [{ hostPort: 8080, containerPort: 80, protocol: 'TCP' }, { hostPort: 53, containerPort: 5353, protocol: 'udp', hostIP: '192.0.2.1' }]));
    assert.deepEqual(dnatRules(c, c.podV4!), [
      '-s 10.1.2.0/24 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK',
      '-s 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK',
      '-p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.1.2.3:80',
      '-s 10.1.2.0/24 -d 192.0.2.1/32 -p udp -m udp --dport 53 -j CNI-HOSTPORT-SETMARK',
      '-s 127.0.0.1/32 -d 192.0.2.1/32 -p udp -m udp --dport 53 -j CNI-HOSTPORT-SETMARK',
      '-d 192.0.2.1/32 -p udp -m udp --dport 53 -j DNAT --to-destination 10.1.2.3:5353',
    ]);
  });

  it('IPv6: no localhost rule, bracketed destination, v4 host IPs skipped; snat off drops the marks', () => {
    const c = parsePortmapConf(conf({}, [{ hostPort: 80, containerPort: 8080 }, { hostPort: 81, containerPort: 81, hostIP: '192.0.2.1' }], ['fd00::5/64']));
    assert.deepEqual(dnatRules(c, c.podV6!), ['-s fd00::/64 -p tcp -m tcp --dport 80 -j CNI-HOSTPORT-SETMARK', '-p tcp -m tcp --dport 80 -j DNAT --to-destination [fd00::5]:8080']);
    const off = parsePortmapConf(conf({ snat: false }, [{ hostPort: 80, containerPort: 8080 }]));
    assert.deepEqual(dnatRules(off, off.podV4!), ['-p tcp -m tcp --dport 80 -j DNAT --to-destination 10.1.2.3:8080']);
  });

  it('groups entry ports per protocol (sorted), at most 15 per multiport rule, with the comment', () => {
    const ports = Array.from({ length: 16 }, (_, i) => ({ hostPort: 100 + i, containerPort: 1, protocol: 'udp' }));
    const c = parsePortmapConf(conf({}, [...ports, { hostPort: 7, containerPort: 7, protocol: 'tcp' }]));
    const rules = entryRules(c, 'c1', c.podV4!);
    assert.equal(rules.length, 3);
    assert.match(rules[0], /^-p tcp -m comment --comment "dnat name: \\"pm\\" id: \\"c1\\"" -m multiport --dports 7 -j CNI-DN-/);
    assert.equal(rules[1].split('--dports ')[1].split(' ')[0].split(',').length, 15);
    assert.match(rules[2], /--dports 115 /);
    assert.equal(entryContainerId(rules[0], 'pm'), 'c1');
    assert.equal(entryContainerId(rules[0], 'other'), undefined);
  });

  it('rejects bad mappings naming the field, and options podnet lacks with code 2', () => {
    const bad = (extra: Record<string, unknown>, m: unknown[], code: number, field: RegExp) =>
      assert.throws(() => parsePortmapConf(conf(extra, m)), (e: CniError) => e.code === code && field.test(e.msg));
    bad({}, [{ hostPort: 0, containerPort: 80 }], 7, /portMappings\[0\]\.hostPort/);
    bad({}, [{ hostPort: 80, containerPort: 80, protocol: 'icmp' }], 7, /portMappings\[0\]\.protocol/);
    bad({}, [{ hostPort: 80, containerPort: 80, hostIP: 'nope' }], 7, /hostIP/);
    bad({ markMasqBit: 40 }, [], 7, /markMasqBit/);
    bad({ backend: 'nftables' }, [], 2, /backend/);
    bad({ externalSetMarkChain: 'X' }, [], 2, /externalSetMarkChain/);
    assert.equal(markHex(13), '0x2000');
  });
});

describe('portmap table edits (iptables-restore lines)', () => {
  const listing = [
    '-P PREROUTING ACCEPT', '-N CNI-HOSTPORT-DNAT', '-N CNI-DN-aaa', '-N CNI-DN-bbb',
    '-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
    '-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"pm\\" id: \\"c1\\"" -m multiport --dports 80 -j CNI-DN-aaa',
    '-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"pm\\" id: \\"c2\\"" -m multiport --dports 81 -j CNI-DN-bbb',
  ].join('\n');

  it('adds only the missing fixed chains and jumps', () => {
    const lines = toplevelLines(parseNatListing(listing), true, 13);
    assert.ok(lines.includes(':CNI-HOSTPORT-SETMARK - [0:0]') && lines.includes(':CNI-HOSTPORT-MASQ - [0:0]'));
    assert.ok(!lines.includes(':CNI-HOSTPORT-DNAT - [0:0]'), 'an existing chain is not redeclared (that would flush it)');
    assert.ok(!lines.some((l) => l.startsWith('-I PREROUTING')), 'the PREROUTING jump exists');
    assert.ok(lines.includes('-I OUTPUT 1 -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT'));
    assert.ok(!toplevelLines(parseNatListing(listing), false, 13).some((l) => l.includes('MASQ')), 'snat off: no masquerade chain');
  });

  it('redeclares the attachment chain and appends only new entries', () => {
    const t = parseNatListing(listing);
    const existing = t.rules.get('CNI-HOSTPORT-DNAT')![0];
    assert.deepEqual(attachmentLines(t, 'CNI-DN-aaa', ['-p tcp -j X'], [existing]), [':CNI-DN-aaa - [0:0]', '-A CNI-DN-aaa -p tcp -j X']);
  });

  it('removes exactly the matching entries and their chains', () => {
    const t = parseNatListing(listing);
    const lines = removalLines(t, (r) => entryContainerId(r, 'pm') === 'c1', ['CNI-DN-aaa', 'CNI-DN-gone']);
    assert.equal(lines.length, 3);
    assert.match(lines[0], /^-D CNI-HOSTPORT-DNAT .*c1.*-j CNI-DN-aaa$/);
    assert.deepEqual(lines.slice(1), ['-F CNI-DN-aaa', '-X CNI-DN-aaa']);
  });
});
