/**
 * The proxy-sync bench's modes on real netns: the iptables-legacy variant writes the iptables
 * proxier's ruleset into x_tables (nothing in the netns's nftables ruleset), a partial sync moves
 * the DNAT to the new endpoint; the nftables kernel floor applies on the proxier's table and
 * leaves its rules as they were.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { inNetns, nft, nftApply, run } from '../../../src/dataplane/exec.js';
import { netnsAdd } from '../../../src/dataplane/netns.js';
import { IPTABLES_LEGACY_TOOLS } from '../../../src/proxy/iptables/kernel.js';
import { renderRuleset } from '../../../src/proxy/render.js';
import { buildServiceFragment, ServiceTable } from '../../../src/proxy/service-table.js';
import { fillerEndpoints, makeServiceSet, NODE_OPTS, slice } from '../../../bench/proxy-fixture.js';
import { floorChains, measureKernelFloor } from '../../../bench/proxy-sync-floor.js';
import { iptablesMode } from '../../../bench/proxy-sync-iptables.js';
import { cleanupPrefix, leftovers, testPrefix } from '../../helpers/proxy-netns.js';

const P = testPrefix();

after(async () => {
  await cleanupPrefix(P);
  assert.deepEqual(await leftovers(P), []);
});

test('iptables-legacy: full then partial sync land in x_tables, not in nftables', async () => {
  const ns = `${P}leg`;
  await netnsAdd(ns);
  const mode = iptablesMode('iptables-legacy', ns, IPTABLES_LEGACY_TOOLS);
  const set = makeServiceSet(10);
  await mode.fullSync(set);
  await mode.verifyEndpoint('svc-3', fillerEndpoints(3)[0]);
  const ips = fillerEndpoints(3);
  ips[0] = '10.244.255.1';
  const old = set.slices[3];
  set.slices[3] = slice('svc-3', ips);
  await mode.partialSync(set, { old, now: set.slices[3] });
  await mode.verifyEndpoint('svc-3', '10.244.255.1');
  const [cmd, args] = inNetns(ns, 'iptables-legacy-save', ['-t', 'nat']);
  const save = (await run(cmd, args)).stdout;
  assert.ok(!save.includes(`--to-destination ${fillerEndpoints(3)[0]}:8080`), 'the replaced endpoint\'s DNAT is gone');
  assert.match(save, /^-A PREROUTING .*-j KUBE-SERVICES$/m, 'jump rules ensured with iptables-legacy');
  assert.equal((await nft(ns, ['list', 'ruleset'])).trim(), '', 'nothing written through iptables-nft');
});

test('nftables kernel floor: applies on the proxier\'s table and leaves its chains as they were', async () => {
  const ns = `${P}nft`;
  await netnsAdd(ns);
  const set = makeServiceSet(10);
  await nftApply(ns, renderRuleset(set.services, set.slices, NODE_OPTS));
  const table = new ServiceTable();
  set.services.forEach((svc, i) => table.setService(`default/${svc.metadata!.name}`, buildServiceFragment(svc, [set.slices[i]], NODE_OPTS)));
  const ip = fillerEndpoints(4)[2];
  const { vmap, dnat } = floorChains(table.desired, 'svc-4', ip);
  const list = (chain: string) => nft(ns, ['list', 'chain', 'ip', 'kube-proxy', chain]);
  const before = [await list(vmap), await list(dnat)];
  const times = await measureKernelFloor(ns, table.desired, 'svc-4', ip);
  assert.deepEqual(Object.keys(times), ['vmap', 'dnat']);
  assert.ok(Object.values(times).every((t) => t > 0 && t < 10_000), `apply times ${JSON.stringify(times)}`);
  assert.deepEqual([await list(vmap), await list(dnat)], before, 'the floor rewrites the same rules');
  assert.match(before[1], new RegExp(`dnat to ${ip.replaceAll('.', '\\.')}:8080`));
});
