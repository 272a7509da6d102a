/**
 * Differential test against Debian's reference plugins: the same conflist (cniVersion 1.0.0)
 * through podnet's standalone plugins (bin/cni shims → node) and through /usr/lib/cni/bridge +
 * host-local, each in fresh namespaces, must give the same result shape, addresses, pod
 * routes, bridge addresses, hairpin setting and host-local store files.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ipJson, run } from '../../../src/dataplane/exec.js';
import { CniRuntime } from '../../../src/cni/runtime.js';
import type { CniResult } from '../../../src/cni/types.js';
import { CniFixture, REFERENCE_DIR, SHIM_DIR, netnsPath } from '../../helpers/cni-fixture.js';
import { confSysctls } from '../../helpers/cni-differential.js';

type Conf = (dataDir: string) => Record<string, unknown>;

const CASES: Array<[string, Conf]> = [
  ['podnet layout: gateway, default route, hairpin', (dataDir) => ({
    cniVersion: '1.0.0', name: 'difnet',
    plugins: [{ type: 'bridge', bridge: 'cni0', isGateway: true, isDefaultGateway: true, hairpinMode: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.251.3.0/24' }]], dataDir } }],
  })],
  ['legacy subnet, rangeStart, explicit gateway, IPAM routes, mtu', (dataDir) => ({
    cniVersion: '1.0.0', name: 'legacy',
    plugins: [{ type: 'bridge', bridge: 'br9', isGateway: true, mtu: 1400,
      ipam: { type: 'host-local', subnet: '10.252.0.0/16', rangeStart: '10.252.1.10', gateway: '10.252.0.1', dataDir,
        routes: [{ dst: '192.168.0.0/16' }, { dst: '0.0.0.0/0', gw: '10.252.0.1' }] } }],
  })],
  ['dual stack, two range sets', (dataDir) => ({
    cniVersion: '1.0.0', name: 'dual',
    plugins: [{ type: 'bridge', isGateway: true, isDefaultGateway: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.249.0.0/24' }], [{ subnet: 'fd00:249::/64' }]], dataDir } }],
  })],
];

const SYSCTLS = ['net.ipv4.conf.eth0.arp_notify', 'net.ipv6.conf.eth0.accept_dad'];

interface Observed {
  results: unknown[];
  routes: unknown[];
  links: unknown[];
  sysctls: string[];
  podAddrs: unknown[];
  bridgeAddrs: unknown;
  hairpin: unknown;
  storeAfterAdd: Record<string, string>;
  storeAfterDel: Record<string, string>;
  nodeConf: string[];
  podConf: string[][];
}

/** Random parts blanked: veth names, MACs, the sandbox path's test prefix. */
function normalize(r: CniResult, prefix: string): unknown {
  return JSON.parse(JSON.stringify(r).replace(/veth[0-9a-f]{8}/g, 'vethX').replace(/"mac":"[0-9a-f:]{17}"/g, '"mac":"M"').replaceAll(prefix, 'P-'));
}

async function storeFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const n of (await readdir(dir)).sort()) out[n] = await readFile(join(dir, n), 'latin1');
  return out;
}

async function observe(fx: CniFixture, tag: string, binDir: string, conf: Conf): Promise<Observed> {
  const node = await fx.netns(`${tag}n`);
  const dataDir = join(fx.dir, tag, 'networks');
  const confDir = join(fx.dir, tag, 'net.d');
  await mkdir(confDir, { recursive: true });
  const list = conf(dataDir);
  await writeFile(join(confDir, '10-net.conflist'), JSON.stringify(list));
  const rt = new CniRuntime({ confDir, binDirs: [binDir], cacheDir: join(fx.dir, tag, 'results'), hostNetns: node });
  const plugin = (list.plugins as Array<Record<string, unknown>>)[0];
  const bridge = String(plugin.bridge ?? 'cni0');
  const o: Observed = { results: [], routes: [], links: [], sysctls: [], podAddrs: [], bridgeAddrs: undefined, hairpin: undefined, storeAfterAdd: {}, storeAfterDel: {}, nodeConf: [], podConf: [] };
  const pods: Array<{ containerId: string; netns: string; ifName: string; args: Array<[string, string]> }> = [];
  for (const i of [1, 2]) {
    const pod = await fx.netns(`${tag}p${i}`);
    const p = { containerId: `ctr${i}`, netns: netnsPath(pod), ifName: 'eth0', args: [['K8S_POD_NAME', `pod${i}`]] as Array<[string, string]> };
    pods.push(p);
    o.results.push(normalize(await rt.addNetwork(p), fx.prefix + tag));
    o.routes.push([await ipJson(pod, ['route', 'show']), await ipJson(pod, ['-6', 'route', 'show'])]);
    const addrs = await ipJson<Array<{ mtu: number; addr_info: Array<Record<string, unknown>> }>>(pod, ['addr', 'show', 'dev', 'eth0']);
    // Link-local addresses derive from the random MAC: compare their presence and flags only.
    o.podAddrs.push(addrs[0].addr_info.map(({ local, label: _l, ...rest }) => ({ ...rest, local: rest.scope === 'link' ? 'LL' : local })));
    const [link] = await ipJson<Array<Record<string, unknown>>>(pod, ['link', 'show', 'dev', 'eth0']);
    o.links.push({ mtu: link.mtu, qdisc: link.qdisc, txqlen: link.txqlen, flags: link.flags, operstate: link.operstate });
    o.sysctls.push((await run('ip', ['netns', 'exec', pod, 'sysctl', ...SYSCTLS])).stdout);
    o.podConf.push(await confSysctls(pod));
  }
  const br = await ipJson<Array<{ mtu: number; addr_info: Array<Record<string, unknown>> }>>(node, ['addr', 'show', 'dev', bridge]);
  o.bridgeAddrs = { mtu: br[0].mtu, addrs: br[0].addr_info.filter((a) => a.scope !== 'link').map(({ local, prefixlen, broadcast }) => ({ local, prefixlen, broadcast })) };
  const ports = await ipJson<Array<{ info_slave_data?: { hairpin?: boolean } }>>(node, ['-d', 'link', 'show', 'master', bridge]);
  o.hairpin = ports.map((p) => (p as { linkinfo?: { info_slave_data?: { hairpin?: boolean } } }).linkinfo?.info_slave_data?.hairpin);
  o.nodeConf = await confSysctls(node);
  o.storeAfterAdd = await storeFiles(join(dataDir, String(list.name)));
  await rt.delNetwork(pods[0]);
  await rt.delNetwork(pods[0]);
  o.storeAfterDel = await storeFiles(join(dataDir, String(list.name)));
  await rt.delNetwork(pods[1]);
  return o;
}

describe('podnet plugins vs the reference plugins (differential)', () => {
  const fx = new CniFixture();
  before(async () => {
    await fx.setup();
    const ref = await run(`${REFERENCE_DIR}/bridge`, [], { env: { CNI_COMMAND: 'VERSION' }, input: '{}', allowFailure: true });
    assert.match(ref.stdout, /1\.0\.0/, 'reference plugins with spec 1.0.0 are installed');
  });
  after(() => fx.teardown());

  for (const [i, [name, conf]] of CASES.entries()) {
    it(name, async () => {
      const ours = await observe(fx, `o${i}`, SHIM_DIR, conf);
      const ref = await observe(fx, `r${i}`, REFERENCE_DIR, conf);
      assert.deepEqual(ours.results, ref.results, 'results');
      assert.deepEqual(ours.routes, ref.routes, 'pod routes (ip -j route, -4 and -6)');
      assert.deepEqual(ours.links, ref.links, 'pod interface attributes');
      assert.deepEqual(ours.sysctls, ref.sysctls, 'pod interface sysctls');
      assert.deepEqual(ours.podAddrs, ref.podAddrs, 'pod addresses');
      assert.deepEqual(ours.bridgeAddrs, ref.bridgeAddrs, 'bridge addresses');
      assert.deepEqual(ours.hairpin, ref.hairpin, 'hairpin on bridge ports');
      assert.deepEqual(ours.storeAfterAdd, ref.storeAfterAdd, 'host-local store after ADD');
      assert.deepEqual(ours.storeAfterDel, ref.storeAfterDel, 'host-local store after DEL');
      assert.deepEqual(ours.nodeConf, ref.nodeConf, 'per-interface sysctls in the node netns');
      assert.deepEqual(ours.podConf, ref.podConf, 'per-interface sysctls in the pods');
    });
  }
});
