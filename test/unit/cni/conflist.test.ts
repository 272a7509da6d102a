import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPluginConf, negotiateVersion, parseConfList } from '../../../src/cni/conflist.js';
import { cniArgsString, validateRuntimeConf } from '../../../src/cni/runtime.js';
import { calcGateways, podIfaceLines } from '../../../src/cni/plugins/gateway.js';
import { parseBridgeConf } from '../../../src/cni/plugins/bridge-config.js';
import { parseEnv } from '../../../src/cni/skel.js';
import { CniError, type NetConf } from '../../../src/cni/types.js';

const LIST = {
  cniVersion: '0.4.0', cniVersions: ['1.0.0', '0.3.1', '2.0.0'], name: 'podnet',
  plugins: [
    { type: 'bridge', bridge: 'cni0', ipam: { type: 'host-local' } },
    { type: 'portmap', capabilities: { portMappings: true, bandwidth: false } },
  ],
};

describe('cni conflist and runtime config', () => {
  it('negotiates the highest version the runtime speaks', () => {
    assert.equal(negotiateVersion(parseConfList(JSON.stringify(LIST))), '1.0.0');
    assert.throws(() => negotiateVersion(parseConfList(JSON.stringify({ ...LIST, cniVersion: '9.0.0', cniVersions: [] }))), (e: unknown) => e instanceof CniError && e.code === 1);
  });

  it('validates the list with field names', () => {
    const bad = (l: unknown, re: RegExp) => assert.throws(() => parseConfList(JSON.stringify(l), 'f.conflist'), (e: unknown) => e instanceof CniError && re.test(e.msg));
    bad({ ...LIST, name: '' }, /^f\.conflist: name: missing/);
    bad({ ...LIST, plugins: [] }, /plugins: must be a non-empty list/);
    bad({ ...LIST, plugins: [{ bridge: 'x' }] }, /plugins\[0\]\.type: missing/);
    assert.throws(() => parseConfList('{', 'f'), (e: unknown) => e instanceof CniError && e.code === 6);
  });

  it('injects name, version, runtimeConfig (capabilities ∩ args) and prevResult, dropping capabilities', () => {
    const list = parseConfList(JSON.stringify(LIST));
    const prev = { cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/24' }] };
    const c = buildPluginConf(list, 1, '1.0.0', { portMappings: [{ hostPort: 80 }], bandwidth: {}, mac: 'x' }, prev);
    assert.deepEqual(c, { type: 'portmap', cniVersion: '1.0.0', name: 'podnet', runtimeConfig: { portMappings: [{ hostPort: 80 }] }, prevResult: prev });
    assert.deepEqual(buildPluginConf(list, 0, '1.0.0'), { type: 'bridge', bridge: 'cni0', ipam: { type: 'host-local' }, cniVersion: '1.0.0', name: 'podnet' });
  });

  it('sends CNI_ARGS with IgnoreUnknown=1 and validates runtime fields', () => {
    assert.equal(cniArgsString([['K8S_POD_NAMESPACE', 'default'], ['K8S_POD_NAME', 'web']]), 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web');
    assert.equal(cniArgsString([]), '');
    assert.throws(() => validateRuntimeConf({ containerId: '', netns: '/x', ifName: 'eth0' }), /containerId/);
    assert.throws(() => validateRuntimeConf({ containerId: 'a', netns: '/x', ifName: 'eth0', args: [['A', 'b;c']] }), /args/);
  });
});

describe('bridge config and gateway plan', () => {
  const args = parseEnv({ CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'a', CNI_NETNS: '/n', CNI_IFNAME: 'eth0', CNI_ARGS: 'MAC=02:00:00:00:00:AA' });
  const conf = (extra: Record<string, unknown>): NetConf => ({ cniVersion: '1.0.0', name: 'n', type: 'bridge', ...extra });

  it('defaults and validates', () => {
    const c = parseBridgeConf(conf({ isDefaultGateway: true }), args);
    assert.deepEqual([c.bridge, c.isGateway, c.mac, c.hasIpam], ['cni0', true, '02:00:00:00:00:aa', false]);
    const bad = (extra: Record<string, unknown>, code: number, re: RegExp) =>
      assert.throws(() => parseBridgeConf(conf(extra), args), (e: unknown) => e instanceof CniError && e.code === code && re.test(e.msg));
    bad({ hairpinMode: true, promiscMode: true }, 7, /^hairpinMode: cannot set hairpin mode and promiscuous mode/);
    bad({ mtu: 20 }, 7, /^mtu: must be an integer/);
    bad({ isGateway: 'yes' }, 7, /^isGateway: must be a boolean/);
    bad({ bridge: 'a-very-long-bridge-name' }, 7, /^bridge: Invalid bridge name/);
    bad({ ipMasq: true }, 2, /^ipMasq: not supported/);
    bad({ runtimeConfig: { mac: 'zz' } }, 7, /^mac: Invalid MAC/);
  });

  it('fills the gateway, adds it to the bridge and a default route once', () => {
    const p = calcGateways([{ address: '10.0.0.5/24' }], [], true, true);
    assert.deepEqual(p, {
      ips: [{ address: '10.0.0.5/24', gateway: '10.0.0.1', interface: 2 }],
      routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }],
      bridgeAddrs: ['10.0.0.1/24'],
    });
    const keep = calcGateways([{ address: '10.0.0.5/24', gateway: '10.0.0.1' }], [{ dst: '0.0.0.0/0', gw: '10.0.0.254' }], true, true);
    assert.deepEqual(keep.routes, [{ dst: '0.0.0.0/0', gw: '10.0.0.254' }], 'an IPAM default route with a gateway wins');
    assert.deepEqual(calcGateways([{ address: '10.0.0.5/24' }], [], false, false).bridgeAddrs, []);
  });

  it('renders the pod interface as ip -batch lines', () => {
    const lines = podIfaceLines('eth0', [{ address: '10.0.0.5/24', gateway: '10.0.0.1' }, { address: 'fd00::5/64', gateway: 'fd00::1' }], [{ dst: '0.0.0.0/0' }, { dst: '::/0' }, { dst: '10.96.0.0/12', gw: '10.0.0.254', priority: 5 }]);
    assert.deepEqual(lines, [
      'addr add 10.0.0.5/24 brd + dev eth0',
      'addr add fd00::5/64 dev eth0',
      'link set eth0 up',
      'route append 0.0.0.0/0 via 10.0.0.1 dev eth0',
      'route append ::/0 via fd00::1 dev eth0',
      'route append 10.96.0.0/12 via 10.0.0.254 dev eth0 metric 5',
    ]);
  });
});
