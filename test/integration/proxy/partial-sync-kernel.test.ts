/**
 * Partial syncs on the real kernel: random Service and EndpointSlice changes go through the
 * proxier's path (tracker → ServiceTable → delta → the blocks-form script) into one netns with
 * `nft -f`; every few steps a second netns gets a fresh full sync of the same objects, and the
 * two tables, listed as JSON without handles, must be identical. Also: an endpoint change is
 * applied without nft reading the table's chains (strace of the netlink dumps).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { netnsAdd } from '../../../src/dataplane/netns.js';
import { nft, nftApply, run } from '../../../src/dataplane/exec.js';
import { ServiceChangeTracker } from '../../../src/proxy/change-tracker.js';
import { buildEndpointsMap } from '../../../src/proxy/endpoints.js';
import { buildServicePorts } from '../../../src/proxy/service-port.js';
import { buildServiceFragment, ServiceTable } from '../../../src/proxy/service-table.js';
import { deltaTransaction, partialSyncScript, syncProxyRules } from '../../../src/proxy/sync-proxy-rules.js';
import { cleanupPrefix, leftovers, testPrefix } from '../../helpers/proxy-netns.js';
import { prng, randomEvent, World } from '../../helpers/proxy-random-services.js';
import { makeService, makeSlice } from '../../unit/proxy/fixtures.js';
import type { Slice, Svc } from '../../helpers/proxy-random-services.js';

const prefix = testPrefix();
const node = { nodeName: 'node1', nodeIP: '192.168.0.2', clusterCIDR: '10.0.0.0/8' };

after(async () => {
  await cleanupPrefix(prefix);
  assert.deepEqual(await leftovers(prefix), []);
});

interface NftJson { nftables: Record<string, Record<string, unknown>>[] }

/** The table as sorted JSON lines without handles (chain and set order in the kernel differ). */
async function listing(ns: string): Promise<string[]> {
  const doc = JSON.parse(await nft(ns, ['-j', 'list', 'table', 'ip', 'kube-proxy'])) as NftJson;
  const lines: string[] = [];
  for (const o of doc.nftables) {
    const [kind, body] = Object.entries(o)[0];
    if (kind === 'metainfo') continue;
    const { handle: _h, elem, ...rest } = body as { handle?: number; elem?: unknown[] };
    const elems = (elem ?? []).map((e) => JSON.stringify(e)).sort();
    lines.push(`${kind} ${JSON.stringify(rest)} ${elems.join(' ')}`);
  }
  // Rules keep their order within a chain: sort stably by chain only.
  return lines.map((l, i) => ({ l, i, chain: /"chain":"([^"]+)"/.exec(l)?.[1] ?? '' }))
    .sort((a, b) => (a.l.startsWith('rule') && b.l.startsWith('rule') ? (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : a.i - b.i) : a.l < b.l ? -1 : a.l > b.l ? 1 : 0))
    .map((x) => x.l);
}

function fullState(w: World) {
  return { ...node, servicePorts: buildServicePorts([...w.services.values()]), endpoints: buildEndpointsMap([...w.slices.values()], node.nodeName) };
}

test('random partial syncs on the real kernel leave the table a full sync writes', async () => {
  const partial = `${prefix}partial`;
  const fresh = `${prefix}full`;
  await netnsAdd(partial);
  await netnsAdd(fresh);
  const r = prng(7);
  const tracker = new ServiceChangeTracker();
  const w = new World(tracker);
  const table = new ServiceTable();
  await nftApply(partial, syncProxyRules(fullState(w)).tx.toString());
  for (let step = 1; step <= 24; step++) {
    for (let e = 0; e < 1 + Math.floor(r() * 3); e++) randomEvent(r, w);
    for (const key of tracker.take()) table.setService(key, buildServiceFragment(w.services.get(key), tracker.slicesOf(key), node));
    const tx = deltaTransaction(table.takeDelta());
    if (tx.numOperations > 0) await nftApply(partial, partialSyncScript(tx, table.desired));
    if (step % 6 !== 0) continue;
    await nft(fresh, ['flush', 'ruleset']);
    await nftApply(fresh, syncProxyRules(fullState(w)).tx.toString());
    assert.deepEqual(await listing(partial), await listing(fresh), `step ${step}`);
  }
});

/** The netlink message types nft sends while applying `script` in `ns` (0x4 = GETCHAIN). */
async function nftRequests(ns: string, script: string): Promise<string[]> {
  const res = await run('strace', ['-f', '-e', 'trace=sendto', '-s', '100', 'ip', 'netns', 'exec', ns, 'nft', '-f', '-'], { input: script, allowFailure: true });
  assert.equal(res.code, 0, res.stderr.slice(-500));
  return [...res.stderr.matchAll(/nlmsg_type=0xa([0-9a-f]{2})/g)].map((m) => m[1]);
}

test('an endpoint change (no affinity) is applied without nft reading every chain of the table', async () => {
  const ns = `${prefix}dump`;
  await netnsAdd(ns);
  const tracker = new ServiceChangeTracker();
  const svc = makeService('ns', 'web', (s) => { s.spec!.clusterIP = '172.30.0.9'; s.spec!.ports!.push({ name: 'http', port: 80 }); }) as Svc;
  const slice = (ip: string) => makeSlice('ns', 'web', [{ name: 'http', port: 8080 }], [{ ip }, { ip: '10.180.0.9' }], 's') as Slice;
  tracker.serviceHandler.add!(svc);
  tracker.sliceHandler.add!(slice('10.180.0.1'));
  tracker.take();
  const table = new ServiceTable();
  table.setService('ns/web', buildServiceFragment(svc, tracker.slicesOf('ns/web'), node));
  table.takeDelta();
  await nftApply(ns, syncProxyRules({ ...node, servicePorts: buildServicePorts([svc]), endpoints: buildEndpointsMap([slice('10.180.0.1')], node.nodeName) }).tx.toString());
  tracker.sliceHandler.update!(slice('10.180.0.1'), slice('10.180.0.2'));
  for (const key of tracker.take()) table.setService(key, buildServiceFragment(svc, tracker.slicesOf(key), node));
  const delta = table.takeDelta();
  const tx = deltaTransaction(delta, { deleteGoneChains: false }); // as the proxier: deleted a second later
  const blocks = await nftRequests(ns, partialSyncScript(tx, table.desired));
  assert.ok(!blocks.includes('04'), `blocks form: no chain dump (requests ${blocks.join(' ')})`);
  assert.match(await nft(ns, ['list', 'table', 'ip', 'kube-proxy']), /dnat to 10\.180\.0\.2:8080/);
  // The same change as plain commands makes nft dump every chain first (what the blocks avoid).
  const plain = await nftRequests(ns, tx.toString());
  assert.ok(plain.includes('04'), `plain commands: chain dump (requests ${plain.join(' ')})`);
  // Losing every endpoint moves the Service's element from service-ips to no-endpoint-services:
  // the map that loses it is rewritten whole rather than deleted from.
  const empty = makeSlice('ns', 'web', [{ name: 'http', port: 8080 }], [], 's') as Slice;
  tracker.sliceHandler.update!(slice('10.180.0.2'), empty);
  for (const key of tracker.take()) table.setService(key, buildServiceFragment(svc, tracker.slicesOf(key), node));
  const gone = deltaTransaction(table.takeDelta(), { deleteGoneChains: false });
  const requests = await nftRequests(ns, partialSyncScript(gone, table.desired));
  assert.ok(!requests.includes('04'), `endpoints gone: no chain dump (requests ${requests.join(' ')})`);
  const listed = await nft(ns, ['list', 'table', 'ip', 'kube-proxy']);
  assert.match(listed, /no-endpoint-services \{[^}]*172\.30\.0\.9 \. tcp \. 80 comment "ns\/web:http" : goto reject-chain/);
  assert.doesNotMatch(listed, /172\.30\.0\.9 \. tcp \. 80 : goto service-/);
});
