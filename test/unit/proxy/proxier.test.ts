/**
 * The proxier's sync discipline with the kernel replaced (ProxierDeps) and the real apiserver
 * in-process: a full sync first, partial syncs after, a full sync again after a failure or when
 * the full-sync period has passed, and UDP conntrack cleanup for UDP services only.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, KubeObject, Service } from '../../../src/api/types.js';
import { startApiServer, type ApiServer } from '../../../src/apiserver/server.js';
import { Client } from '../../../src/client/client.js';
import { Proxier, type ProxierDeps } from '../../../src/proxy/proxier.js';
import { openStore } from '../../../src/store/index.js';
import { clusterIP, makeService, makeSlice, port } from './fixtures.js';

let api: ApiServer;
let client: Client;
const applied: string[] = [];
let failNext = false;
let clock = 0;
let flowLists = 0;
let tablePresent = true;
const deps: ProxierDeps = {
  apply: async (_ns, script) => {
    if (failNext) {
      failNext = false;
      throw new Error('nft: simulated failure');
    }
    applied.push(script);
  },
  readTable: async () => ({ chains: [], sets: [], baseChains: [] }),
  tableExists: async () => tablePresent,
  listUdpFlows: async () => {
    flowLists++;
    return [];
  },
  deleteConntrack: async () => undefined,
  now: () => clock,
};

before(async () => {
  api = await startApiServer({ store: await openStore({ kind: 'memory' }), port: 0 });
  client = new Client({ server: api.url });
});

after(async () => {
  client.close();
  await api.close();
});

async function waitFor(fn: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail('timed out');
}

const errors: unknown[] = [];
let rejected = 0;

const isFull = (script: string) => script.startsWith('add table ip kube-proxy');

test('full sync first, partial after, full again after a failure and after the full-sync period', async () => {
  await client.create<Service & KubeObject>('services', 'default', makeService('default', 'web', clusterIP('10.96.0.50'), port(80, 'http')) as Service & KubeObject);
  const p = new Proxier(
    { client, nodeName: 'n1', netns: 'unused', nodeIP: '172.18.0.11', clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', minSyncPeriodMs: 10, fullSyncPeriodMs: 1000, onError: (e) => errors.push(e) },
    deps,
  );
  try {
    await p.start();
    assert.ok(isFull(applied[0]), 'first sync is full');
    assert.match(applied[0], /no-endpoint-services \{ 10\.96\.0\.50 \. tcp \. 80 comment "default\/web:http"/);
    const slice = makeSlice('default', 'web', [{ name: 'http', port: 80 }], [{ ip: '10.244.0.3' }]) as EndpointSlice & KubeObject;
    await client.create('endpointslices', 'default', slice);
    await p.syncNow();
    const partial = applied.at(-1)!;
    assert.ok(!isFull(partial), 'an endpoint change is a partial sync');
    // A set losing elements is rewritten whole (nft 1.0.6 dumps every chain for a delete).
    assert.match(partial, /^flush map ip kube-proxy no-endpoint-services$/m);
    assert.doesNotMatch(partial, /^delete /m);
    assert.match(partial, /^add map ip kube-proxy service-ips \{ .* elements = \{ 10\.96\.0\.50 \. tcp \. 80 : goto service-/m);
    assert.match(partial, /dnat to 10\.244\.0\.3:80/);
    const before = applied.length;
    await p.syncNow();
    assert.equal(applied.length, before, 'nothing changed: nothing applied');
    const cur = await client.get<EndpointSlice & KubeObject>('endpointslices', 'default', slice.metadata!.name!);
    const grown = makeSlice('default', 'web', [{ name: 'http', port: 80 }], [{ ip: '10.244.0.3' }, { ip: '10.244.0.4' }]);
    await client.update('endpointslices', { ...cur, endpoints: grown.endpoints });
    await waitFor(() => p.syncNow().then(() => applied.at(-1)!.includes('10.244.0.4')).catch(() => false));
    failNext = true;
    await client.update('endpointslices', { ...(await client.get<EndpointSlice & KubeObject>('endpointslices', 'default', slice.metadata!.name!)), endpoints: slice.endpoints });
    // Whichever sync meets the failure (the runner's or ours), the next one is full.
    await waitFor(async () => {
      await p.syncNow().catch(() => rejected++);
      return !failNext;
    });
    await p.syncNow();
    assert.equal(errors.length + rejected, 1, 'one sync failed');
    assert.ok(isFull(applied.at(-1)!), 'the sync after a failure is full');
    clock += 1000;
    await p.syncNow();
    assert.ok(isFull(applied.at(-1)!), 'full sync again once fullSyncPeriodMs passed');
    assert.equal(flowLists, 0, 'no UDP service: conntrack is not even listed');
    tablePresent = false;
    await p.syncNow();
    assert.ok(isFull(applied.at(-1)!), 'a vanished table is rewritten at once');
  } finally {
    await p.stop();
  }
});

test('bad options are rejected with every field named', () => {
  assert.throws(
    () => new Proxier({ client, nodeName: 'n1', netns: 'x', nodeIP: '172.18.0', clusterCIDR: '10.244.0.0', serviceCIDR: '10.96.0.0/12' }, deps),
    /^Error: proxy: Invalid options: nodeIP: Invalid value "172\.18\.0": must be an IPv4 address; clusterCIDR: Invalid value "10\.244\.0\.0"/,
  );
});

test('a chain nobody wants is flushed at once and deleted by a sync at least a second later; one wanted again is kept', async () => {
  await client.create<Service & KubeObject>('services', 'default', makeService('default', 'stale', clusterIP('10.96.0.60'), port(80, 'http')) as Service & KubeObject);
  const slice = (ip: string) => makeSlice('default', 'stale', [{ name: 'http', port: 80 }], [{ ip }]) as EndpointSlice & KubeObject;
  await client.create('endpointslices', 'default', slice('10.244.0.7'));
  const p = new Proxier(
    { client, nodeName: 'n1', netns: 'unused', nodeIP: '172.18.0.11', clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', minSyncPeriodMs: 10, fullSyncPeriodMs: 3_600_000 },
    deps,
  );
  const ep7 = /endpoint-[A-Z2-7]{8}-default\/stale\/tcp\/http__10\.244\.0\.7\/80/;
  const last = () => applied.at(-1)!;
  try {
    tablePresent = true;
    await p.start();
    const replace = async (ip: string) => {
      const cur = await client.get<EndpointSlice & KubeObject>('endpointslices', 'default', slice(ip).metadata!.name!);
      await client.update('endpointslices', { ...cur, endpoints: slice(ip).endpoints });
      await waitFor(() => p.syncNow().then(() => last().includes(`dnat to ${ip}:80`)));
    };
    await replace('10.244.0.8');
    assert.match(last(), new RegExp(`^flush chain ip kube-proxy ${ep7.source}$`, 'm'));
    assert.doesNotMatch(last(), /^delete chain/m, 'not deleted in the sync that flushed it');
    clock += 999;
    const before = applied.length;
    await p.syncNow();
    assert.equal(applied.length, before, 'nothing due after 999 ms');
    clock += 1;
    await p.syncNow();
    assert.match(last(), new RegExp(`^delete chain ip kube-proxy ${ep7.source}$`, 'm'), 'deleted once a second has passed');
    await replace('10.244.0.7');
    await replace('10.244.0.8'); // 10.244.0.7's chain is stale again...
    await replace('10.244.0.7'); // ...and wanted again before its delete
    clock += 5000;
    await p.syncNow();
    const tail = applied.slice(before).join('');
    assert.equal(tail.match(new RegExp(`^delete chain ip kube-proxy ${ep7.source}$`, 'gm'))?.length, 1, 'the chain wanted again is not deleted');
  } finally {
    await p.stop();
  }
});

test('an affinity set nobody wants is deleted with the stale chains a second later, not in the change itself', async () => {
  const svc = makeService('default', 'sticky', clusterIP('10.96.0.61'), port(80, 'http'), (s) => { s.spec!.sessionAffinity = 'ClientIP'; });
  await client.create<Service & KubeObject>('services', 'default', svc as Service & KubeObject);
  const slice = (ip: string) => makeSlice('default', 'sticky', [{ name: 'http', port: 80 }], [{ ip }]) as EndpointSlice & KubeObject;
  await client.create('endpointslices', 'default', slice('10.244.0.20'));
  const p = new Proxier(
    { client, nodeName: 'n1', netns: 'unused', nodeIP: '172.18.0.11', clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', minSyncPeriodMs: 10, fullSyncPeriodMs: 3_600_000 },
    deps,
  );
  const set20 = /^delete set ip kube-proxy affinity-[A-Z2-7]{8}-default\/sticky\/tcp\/http__10\.244\.0\.20\/80$/m;
  try {
    tablePresent = true;
    await p.start();
    const cur = await client.get<EndpointSlice & KubeObject>('endpointslices', 'default', slice('x').metadata!.name!);
    await client.update('endpointslices', { ...cur, endpoints: slice('10.244.0.21').endpoints });
    await waitFor(() => p.syncNow().then(() => applied.at(-1)!.includes('dnat to 10.244.0.21:80')));
    assert.doesNotMatch(applied.at(-1)!, /^delete /m, 'the change itself deletes nothing (no chain dump in nft 1.0.6)');
    clock += 1000;
    await p.syncNow();
    assert.match(applied.at(-1)!, set20);
    assert.match(applied.at(-1)!, /^delete chain ip kube-proxy endpoint-[A-Z2-7]{8}-default\/sticky\/tcp\/http__10\.244\.0\.20\/80$/m);
  } finally {
    await p.stop();
  }
});
