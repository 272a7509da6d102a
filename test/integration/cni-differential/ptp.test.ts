/**
 * ptp against Debian's reference ptp + host-local: the same conflist (cniVersion 1.0.0) in
 * twin namespaces must give the same results, links (names blanked, MTU, flags, qdisc,
 * txqlen, addresses), routes on both sides, sysctls, host-local store, and the same state
 * after DEL (twice: idempotent). Real traffic: the pod reaches its gateway and another pod.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run } from '../../../src/dataplane/exec.js';
import { CniFixture, REFERENCE_DIR, SHIM_DIR } from '../../helpers/cni-fixture.js';
import { type Conf, confSysctls, links, normalize, routes, storeFiles, sysctls, twin } from '../../helpers/cni-differential.js';

const CASES: Array<[string, Conf]> = [
  ['ranges, default route, mtu', (dataDir) => ({
    cniVersion: '1.0.0', name: 'ptpnet',
    plugins: [{ type: 'ptp', mtu: 1400, ipam: { type: 'host-local', ranges: [[{ subnet: '10.247.1.0/24' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir } }],
  })],
  ['legacy subnet, explicit gateway, routes with gw, dns', (dataDir) => ({
    cniVersion: '1.0.0', name: 'ptp2',
    plugins: [{ type: 'ptp', ipMasq: false, dns: { nameservers: ['10.96.0.10'] },
      ipam: { type: 'host-local', subnet: '10.247.64.0/20', gateway: '10.247.64.1', rangeStart: '10.247.65.5', dataDir,
        routes: [{ dst: '192.168.0.0/16', gw: '10.247.64.1' }, { dst: '0.0.0.0/0' }] } }],
  })],
  ['dual stack', (dataDir) => ({
    cniVersion: '1.0.0', name: 'ptp6',
    plugins: [{ type: 'ptp', ipam: { type: 'host-local', ranges: [[{ subnet: '10.247.2.0/24' }], [{ subnet: 'fd00:247::/64' }]], routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }], dataDir } }],
  })],
];

const POD_SYSCTLS = ['net.ipv4.conf.eth0.arp_notify', 'net.ipv6.conf.eth0.accept_dad', 'net.ipv4.conf.eth0.rp_filter'];

async function observe(fx: CniFixture, tag: string, binDir: string, conf: Conf, delegated = false) {
  const t = await twin(fx, tag, binDir, conf, delegated);
  const p = [await t.pod(1), await t.pod(2)];
  const prefix = fx.prefix + tag;
  const o: Record<string, unknown> = { results: [] as unknown[] };
  for (const pod of p) (o.results as unknown[]).push(normalize(await t.rt.addNetwork(pod), prefix));
  o.podLinks = normalize(await Promise.all(p.map((x) => links(x.ns))), prefix);
  o.podRoutes = normalize(await Promise.all(p.map((x) => routes(x.ns))), prefix);
  o.podSysctls = await Promise.all(p.map((x) => sysctls(x.ns, POD_SYSCTLS)));
  o.nodeLinks = normalize(await links(t.node), prefix);
  o.nodeRoutes = normalize(await routes(t.node), prefix);
  o.nodeSysctls = await sysctls(t.node, ['net.ipv4.ip_forward']);
  o.nodeConf = await confSysctls(t.node);
  o.podConf = await Promise.all(p.map((x) => confSysctls(x.ns)));
  const dir = join(t.dataDir, String(t.list.name));
  o.store = await storeFiles(dir);
  // Real traffic: pod 1 to its gateway and to pod 2, through the node.
  const ip2 = ((o.results as Array<{ ips: Array<{ address: string }> }>)[1].ips[0].address).split('/')[0];
  o.ping = (await run('ip', ['netns', 'exec', p[0].ns, 'ping', '-c1', '-W2', ip2], { allowFailure: true })).code;
  await t.rt.delNetwork(p[0]);
  await t.rt.delNetwork(p[0]);
  o.storeAfterDel = await storeFiles(dir);
  o.nodeLinksAfterDel = normalize(await links(t.node), prefix);
  o.nodeRoutesAfterDel = normalize(await routes(t.node), prefix);
  await t.rt.delNetwork(p[1]);
  await t.close();
  return o;
}

describe('ptp: podnet vs the reference plugin (differential)', () => {
  const fx = new CniFixture();
  before(() => fx.setup());
  after(() => fx.teardown());

  for (const [i, [name, conf]] of CASES.entries()) {
    it(name, async () => {
      const ours = await observe(fx, `o${i}`, SHIM_DIR, conf);
      const ref = await observe(fx, `r${i}`, REFERENCE_DIR, conf);
      const viaServer = await observe(fx, `d${i}`, SHIM_DIR, conf, true);
      assert.equal(ours.ping, 0, 'pod 1 reaches pod 2 through the node');
      for (const k of Object.keys(ref)) assert.deepEqual(ours[k], ref[k], k);
      for (const k of Object.keys(ref)) assert.deepEqual(viaServer[k], ref[k], `${k} (delegated to the CNI server)`);
    });
  }
});
