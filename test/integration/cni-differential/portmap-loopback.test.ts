/**
 * portmap (chained after bridge, and after ptp) and loopback against Debian's reference
 * plugins: the same conflist and portMappings in twin namespaces must give the same results,
 * the same table nat (iptables-save without counters), the same route_localnet settings, and
 * the same table after one attachment's DEL, after a repeated DEL, and after the last DEL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CniFixture, REFERENCE_DIR, SHIM_DIR } from '../../helpers/cni-fixture.js';
import { type Conf, confSysctls, links, natRules, normalize, routeLocalnet, twin } from '../../helpers/cni-differential.js';

const MAPPINGS = [
  { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
  { hostPort: 5353, containerPort: 53, protocol: 'udp', hostIP: '172.18.0.11' },
  { hostPort: 8443, containerPort: 443, protocol: 'tcp' },
];
// 17 ports: the multiport entry is split at 15, as the reference does.
const MANY = Array.from({ length: 17 }, (_, i) => ({ hostPort: 9000 + i, containerPort: 9000 + i, protocol: 'tcp' }));

const CASES: Array<[string, Conf, unknown[]]> = [
  ['bridge + portmap', (dataDir) => ({
    cniVersion: '1.0.0', name: 'pmnet',
    plugins: [
      { type: 'bridge', bridge: 'cni0', isGateway: true, isDefaultGateway: true, hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: '10.246.1.0/24' }]], dataDir } },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  }), MAPPINGS],
  ['ptp + portmap, 17 ports, snat off', (dataDir) => ({
    cniVersion: '1.0.0', name: 'pmptp',
    plugins: [
      { type: 'ptp', ipam: { type: 'host-local', subnet: '10.246.8.0/24', dataDir, routes: [{ dst: '0.0.0.0/0' }] } },
      { type: 'portmap', snat: false, capabilities: { portMappings: true } },
    ],
  }), MANY],
  ['dual-stack bridge + portmap (ip6tables too)', (dataDir) => ({
    cniVersion: '1.0.0', name: 'pm6',
    plugins: [
      { type: 'bridge', bridge: 'cni0', isGateway: true, isDefaultGateway: true, hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: '10.246.9.0/24' }], [{ subnet: 'fd00:246::/64' }]], dataDir } },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  }), [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }, { hostPort: 8081, containerPort: 81, protocol: 'tcp', hostIP: 'fd00:246::1' }]],
];

async function observe(fx: CniFixture, tag: string, binDir: string, conf: Conf, mappings: unknown[], delegated = false) {
  const t = await twin(fx, tag, binDir, conf, delegated);
  const prefix = fx.prefix + tag;
  const p1 = await t.pod(1, { portMappings: mappings });
  const p2 = await t.pod(2, { portMappings: [{ hostPort: 7070, containerPort: 70, protocol: 'tcp' }] });
  const o: Record<string, unknown> = {};
  o.results = normalize([await t.rt.addNetwork(p1), await t.rt.addNetwork(p2)], prefix);
  o.nat = normalize(await natRules(t.node), prefix);
  o.nat6 = normalize(await natRules(t.node, 6), prefix);
  o.localnet = normalize(await routeLocalnet(t.node), prefix);
  o.nodeConf = await confSysctls(t.node);
  await t.rt.delNetwork(p1);
  o.natAfterDel = await natRules(t.node);
  await t.rt.delNetwork(p1);
  o.natAfterSecondDel = await natRules(t.node);
  await t.rt.delNetwork(p2);
  o.natAfterLastDel = await natRules(t.node);
  o.nat6AfterLastDel = await natRules(t.node, 6);
  await t.close();
  return o;
}

const LOOPBACK: Conf = () => ({ cniVersion: '1.0.0', name: 'lo', plugins: [{ type: 'loopback' }] });

async function observeLoopback(fx: CniFixture, tag: string, binDir: string) {
  const t = await twin(fx, tag, binDir, LOOPBACK);
  const p = await t.pod(1);
  const prefix = fx.prefix + tag;
  const result = normalize(await t.rt.addNetwork(p), prefix);
  const up = await links(p.ns);
  await t.rt.delNetwork(p);
  await t.rt.delNetwork(p);
  return { result, up, down: await links(p.ns) };
}

describe('portmap and loopback: podnet vs the reference plugins (differential)', () => {
  const fx = new CniFixture();
  before(() => fx.setup());
  after(() => fx.teardown());

  for (const [i, [name, conf, mappings]] of CASES.entries()) {
    it(name, async () => {
      const ours = await observe(fx, `o${i}`, SHIM_DIR, conf, mappings);
      const ref = await observe(fx, `r${i}`, REFERENCE_DIR, conf, mappings);
      const viaServer = await observe(fx, `d${i}`, SHIM_DIR, conf, mappings, true);
      assert.ok((ref.nat as string[]).some((l) => l.includes('CNI-DN-')), 'the reference wrote per-attachment chains');
      for (const k of Object.keys(ref)) assert.deepEqual(ours[k], ref[k], k);
      for (const k of Object.keys(ref)) assert.deepEqual(viaServer[k], ref[k], `${k} (delegated to the CNI server)`);
    });
  }

  it('loopback alone', async () => {
    const ours = await observeLoopback(fx, 'ol', SHIM_DIR);
    const ref = await observeLoopback(fx, 'rl', REFERENCE_DIR);
    assert.deepEqual(ours, ref);
  });
});
