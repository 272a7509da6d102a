import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePtpConf, ptpHostLines, ptpIps, ptpPodLines } from '../../../src/cni/plugins/ptp.js';
import { parseEnv } from '../../../src/cni/skel.js';
import { CniError, type NetConf } from '../../../src/cni/types.js';

const args = parseEnv({ CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c', CNI_NETNS: '/run/netns/p', CNI_IFNAME: 'eth0' });
const conf = (extra: Record<string, unknown>): NetConf => ({ cniVersion: '1.0.0', name: 'n', type: 'ptp', ipam: { type: 'host-local' }, ...extra });

describe('ptp', () => {
  it('fills a missing gateway with network + 1 and points IPs at the pod end', () => {
    assert.deepEqual(ptpIps([{ address: '10.9.0.7/24' }, { address: 'fd00::7/64', gateway: 'fd00::fe' }]), [
      { address: '10.9.0.7/24', gateway: '10.9.0.1', interface: 1 },
      { address: 'fd00::7/64', gateway: 'fd00::fe', interface: 1 },
    ]);
  });

  it('host side: gateway as /32 and a host-scope route to the pod', () => {
    const lines = ptpHostLines('vethA', 'eth0', '/run/netns/p', 1400, ['02:00:00:00:00:01', '02:00:00:00:00:02'], [{ address: '10.9.0.7/24', gateway: '10.9.0.1' }]);
    assert.match(lines[0], /^link add vethA address 02:00:00:00:00:01 mtu 1400 txqlen 0 type veth peer name eth0 .* netns \/run\/netns\/p$/);
    assert.deepEqual(lines.slice(1), ['link set vethA up', 'addr add 10.9.0.1/32 dev vethA', 'route add 10.9.0.7/32 dev vethA scope host']);
  });

  it('pod side: the subnet route is replaced by routes through the gateway', () => {
    const lines = ptpPodLines('eth0', [{ address: '10.9.0.7/24', gateway: '10.9.0.1' }], [{ dst: '0.0.0.0/0' }, { dst: '192.168.0.0/16', gw: '10.9.0.254', priority: 5 }]);
    assert.deepEqual(lines.addrs, ['addr add 10.9.0.7/24 brd + dev eth0', 'link set eth0 up']);
    assert.deepEqual(lines.routes, [
      'route del 10.9.0.0/24 dev eth0',
      'route add 10.9.0.1/32 dev eth0 scope link src 10.9.0.7',
      'route add 10.9.0.0/24 via 10.9.0.1 dev eth0 src 10.9.0.7',
      'route add 0.0.0.0/0 via 10.9.0.1 dev eth0',
      'route add 192.168.0.0/16 via 10.9.0.254 dev eth0 metric 5',
    ]);
  });

  it('rejects bad config naming the field', () => {
    const bad = (extra: Record<string, unknown>, code: number, field: RegExp) =>
      assert.throws(() => parsePtpConf(conf(extra), args), (e: CniError) => e.code === code && field.test(e.msg));
    bad({ mtu: 10 }, 7, /^mtu:/);
    bad({ ipMasq: true }, 2, /^ipMasq:/);
    bad({ ipam: undefined }, 7, /^ipam\.type:/);
    assert.deepEqual(parsePtpConf(conf({ mtu: 1400 }), args), { mtu: 1400 });
  });
});
