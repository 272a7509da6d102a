/**
 * The iptables proxier's sync discipline with the kernel replaced (IptablesProxierDeps) and the
 * real apiserver in-process: full sync first (canary, kernel chains read, jumps ensured), partial
 * syncs after, full again after a failure, a vanished canary or the full-sync period.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, Service } from '../../../src/api/types.js';
import { startApiServer, type ApiServer } from '../../../src/apiserver/server.js';
import { Client } from '../../../src/client/client.js';
import { IptablesProxier, type IptablesProxierDeps } from '../../../src/proxy/iptables/proxier.js';
import { openStore } from '../../../src/store/index.js';
import { clusterIP, makeService, makeSlice, port } from '../proxy/fixtures.js';

let api: ApiServer;
let client: Client;
const log: string[] = [];
let failNext = false;
let canary = true;
let clock = 0;
const deps: IptablesProxierDeps = {
  restore: async (_ns, input) => {
    if (failNext) {
      failNext = false;
      throw new Error('iptables-restore: simulated failure');
    }
    log.push(`restore ${/^:KUBE-SVC-XPGD46QRK7WJZT7O /m.test(input) ? 'svc1' : '-'}`);
  },
  listNatChains: async () => {
    log.push('save');
    return ['KUBE-SVC-STALESTALESTALE1'];
  },
  ensureJumpRules: async (_ns, rules) => { log.push(`jumps ${rules.length}`); },
  ensureCanary: async () => { log.push('canary'); canary = true; },
  canaryExists: async () => canary,
  ensureRouteLocalnet: async () => { log.push('route_localnet'); },
  listUdpFlows: async () => [],
  deleteConntrack: async () => undefined,
  now: () => clock,
};

before(async () => {
  api = await startApiServer({ store: await openStore({ kind: 'memory' }), port: 0 });
  client = new Client({ server: api.url });
  await client.create('namespaces', '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns1' } } as KubeObject);
  await client.create<Service & KubeObject>('services', 'ns1', makeService('ns1', 'svc1', clusterIP('10.96.0.41'), port(80, 'p80')) as Service & KubeObject);
  await client.create('endpointslices', 'ns1', makeSlice('ns1', 'svc1', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.1' }]) as KubeObject);
});

after(async () => {
  client.close();
  await api.close();
});

test('full sync first, partial after; failures, a lost canary and the period force full syncs', async () => {
  const errors: unknown[] = [];
  const p = new IptablesProxier({
    client, nodeName: 'node1', netns: 'unused', nodeIP: '192.168.0.2', clusterCIDR: '10.0.0.0/8', serviceCIDR: '10.96.0.0/12',
    minSyncPeriodMs: 10, syncPeriodMs: 60_000, fullSyncPeriodMs: 1000, onError: (e) => errors.push(e),
  }, deps);
  try {
    await p.start();
    // One full sync, after both informers listed (no sync of a half-listed view); localhost
    // NodePorts are on by default: route_localnet, and kubelet's two KUBE-FIREWALL jumps.
    assert.deepEqual(log.splice(0), ['canary', 'route_localnet', 'save', 'restore svc1', 'jumps 14']);
    await p.syncNow();
    assert.deepEqual(log.splice(0), ['restore -'], 'an unchanged service is not rewritten');
    failNext = true;
    await assert.rejects(p.syncNow(), /simulated failure/);
    log.splice(0);
    await p.syncNow();
    assert.deepEqual(log.splice(0), ['canary', 'route_localnet', 'save', 'restore svc1', 'jumps 14']);
    assert.deepEqual(p.lastPlan?.stale, ['KUBE-SVC-STALESTALESTALE1']);
    canary = false;
    await p.syncNow();
    assert.deepEqual(log.splice(0), ['canary', 'route_localnet', 'save', 'restore svc1', 'jumps 14']);
    clock += 1000;
    await p.syncNow();
    assert.equal(log.splice(0)[0], 'canary');
  } finally {
    await p.stop();
  }
  assert.deepEqual(errors, []);
});

test('without localhost NodePorts (off, or nodePortAddresses without loopback) route_localnet is left alone', async () => {
  for (const extra of [{ localhostNodePorts: false }, { nodePortAddresses: ['192.168.0.0/24'] }]) {
    const p = new IptablesProxier({
      client, nodeName: 'node1', netns: 'unused', nodeIP: '192.168.0.2', clusterCIDR: '10.0.0.0/8', serviceCIDR: '10.96.0.0/12',
      minSyncPeriodMs: 10, syncPeriodMs: 60_000, ...extra,
    }, deps);
    try {
      log.splice(0);
      await p.start();
      assert.deepEqual(log.splice(0), ['canary', 'save', 'restore svc1', 'jumps 14'], JSON.stringify(extra));
    } finally {
      await p.stop();
    }
  }
});
