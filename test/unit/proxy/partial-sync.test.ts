/**
 * Partial sync equals full sync: random sequences of Service and EndpointSlice events go through
 * the proxier's path (ServiceChangeTracker → ServiceTable → deltaTransaction) into a model
 * table; after every step the model must hold exactly what a full sync of the same objects
 * writes into an empty table, and the ServiceTable's union must equal buildDesiredState.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceChangeTracker } from '../../../src/proxy/change-tracker.js';
import { buildEndpointsMap } from '../../../src/proxy/endpoints.js';
import { buildServicePorts } from '../../../src/proxy/service-port.js';
import { buildServiceFragment, ServiceTable } from '../../../src/proxy/service-table.js';
import { buildDesiredState, deltaTransaction, partialSyncScript, syncProxyRules, type DesiredState } from '../../../src/proxy/sync-proxy-rules.js';
import { makeService, makeSlice } from './fixtures.js';
import { applyScript, emptyModel, snapshot } from './nft-model.js';
import { prng, randomEvent, World, type Slice, type Svc } from '../../helpers/proxy-random-services.js';

const node = { nodeName: 'node1', nodeIP: '192.168.0.2', clusterCIDR: '10.0.0.0/8' };

const entries = <V>(m: Map<string, V>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
const comparable = (d: DesiredState) => ({
  chains: entries(d.chains), sets: entries(d.affinitySets), elements: entries(d.elements), reachable: entries(d.reachable),
});

function fullState(w: World) {
  return { ...node, servicePorts: buildServicePorts([...w.services.values()]), endpoints: buildEndpointsMap([...w.slices.values()], node.nodeName) };
}

function runSeed(seed: number, steps: number): { partialOps: number; fullOps: number } {
  const r = prng(seed);
  const tracker = new ServiceChangeTracker();
  const w = new World(tracker);
  const table = new ServiceTable();
  const model = emptyModel();
  applyScript(model, syncProxyRules(fullState(w)).tx.toString()); // the first (full) sync, empty cluster
  let partialOps = 0;
  let fullOps = 0;
  for (let step = 0; step < steps; step++) {
    const events = 1 + Math.floor(r() * 3);
    for (let e = 0; e < events; e++) randomEvent(r, w);
    for (const key of tracker.take()) table.setService(key, buildServiceFragment(w.services.get(key), tracker.slicesOf(key), node));
    const tx = deltaTransaction(table.takeDelta());
    assert.equal(tx.err, undefined);
    partialOps += tx.numOperations;
    // What the proxier sends: the blocks form (every second step the plain commands, also valid).
    applyScript(model, step % 2 === 0 ? partialSyncScript(tx, table.desired) : tx.toString());
    const full = syncProxyRules(fullState(w));
    fullOps += full.tx.numOperations;
    const fresh = emptyModel();
    applyScript(fresh, full.tx.toString());
    const where = `seed ${seed} step ${step}`;
    assert.deepEqual(comparable(table.desired), comparable(buildDesiredState(fullState(w))), `${where}: desired state`);
    assert.deepEqual(snapshot(model), snapshot(fresh), `${where}: table after partial syncs`);
  }
  return { partialOps, fullOps };
}

test('random change sequences: partial syncs leave exactly what a full sync writes', () => {
  let partial = 0;
  let full = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const n = runSeed(seed, 40);
    partial += n.partialOps;
    full += n.fullOps;
  }
  assert.ok(partial * 5 < full, `partial syncs write a fraction of a full sync (${partial} vs ${full} operations)`);
});

test('a relabelled slice moves its endpoints from one Service to the other', () => {
  const tracker = new ServiceChangeTracker();
  const w = new World(tracker);
  w.putService(makeService('ns', 'one', (s) => { s.spec!.clusterIP = '172.30.0.1'; s.spec!.ports!.push({ name: 'p0', port: 80 }); }) as Svc);
  w.putService(makeService('ns', 'two', (s) => { s.spec!.clusterIP = '172.30.0.2'; s.spec!.ports!.push({ name: 'p0', port: 80 }); }) as Svc);
  w.putSlice(makeSlice('ns', 'one', [{ name: 'p0', port: 8080 }], [{ ip: '10.180.0.1' }], 's') as Slice);
  tracker.take();
  w.putSlice(makeSlice('ns', 'two', [{ name: 'p0', port: 8080 }], [{ ip: '10.180.0.1' }], 's') as Slice);
  assert.deepEqual([...tracker.take()].sort(), ['ns/one', 'ns/two']);
  assert.equal(tracker.slicesOf('ns/one').length, 0);
  assert.equal(tracker.slicesOf('ns/two').length, 1);
});

test('two Services writing one external IP element: the later in service-port order wins, the other takes over when it goes', () => {
  const table = new ServiceTable();
  const svc = (name: string, ip: string) => makeService('ns', name, (s) => {
    s.spec!.clusterIP = ip;
    s.spec!.externalIPs = ['192.168.99.1'];
    s.spec!.ports!.push({ name: 'p0', port: 80 });
  });
  // `ns/a-b/tcp/p0` sorts before `ns/a/tcp/p0` ('-' < '/'): a full sync writes a-b first, a last.
  table.setService('ns/a', buildServiceFragment(svc('a', '172.30.0.1'), [], node));
  table.setService('ns/a-b', buildServiceFragment(svc('a-b', '172.30.0.2'), [], node));
  const key = 'no-endpoint-services { 192.168.99.1 . tcp . 80 }';
  assert.equal(table.desired.elements.get(key)?.comment, 'ns/a:p0');
  table.takeDelta();
  table.setService('ns/a', undefined);
  assert.equal(table.desired.elements.get(key)?.comment, 'ns/a-b:p0');
  const d = table.takeDelta();
  assert.deepEqual(d.deleteElements.filter((e) => e.key[0] === '192.168.99.1').map((e) => e.comment), ['ns/a:p0']);
  assert.deepEqual(d.addElements.filter((e) => e.key[0] === '192.168.99.1').map((e) => e.comment), ['ns/a-b:p0']);
});
