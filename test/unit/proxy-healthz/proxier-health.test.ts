import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../../../src/api/types.js';
import { ProxierHealth, type ProxierHealthState } from '../../../src/proxy/healthz/proxier-health.js';
import { goTimeString, healthzResponse, livezResponse, notFoundResponse } from '../../../src/proxy/healthz/responses.js';
import { parseBindAddress } from '../../../src/proxy/healthz/healthz-server.js';
import { startProxy } from '../../../src/proxy/mode.js';
import type { Client } from '../../../src/client/client.js';

const T0 = Date.UTC(2026, 10, 23, 22, 30, 5, 120);

function fakeHealth(timeoutMs = 60_000) {
  let now = T0;
  const changes: ProxierHealthState[] = [];
  const h = new ProxierHealth(timeoutMs, (s) => changes.push(s), () => now);
  return { h, changes, advance: (ms: number) => (now += ms), now: () => now };
}

describe('ProxierHealth (upstream proxier_health.go)', () => {
  it('healthy while starting up, even with a change queued before any update', () => {
    const { h, advance } = fakeHealth(1000);
    assert.equal(h.isHealthy(), true);
    h.queuedUpdate();
    advance(5000);
    assert.equal(h.isHealthy(), true, 'no lastUpdated yet: starting up');
  });

  it('unhealthy once a queued change waited healthTimeout without a sync; healthy after one', () => {
    const { h, advance, changes } = fakeHealth(1000);
    h.updated();
    h.queuedUpdate();
    advance(600);
    h.queuedUpdate(); // only the oldest pending change counts
    advance(399);
    assert.equal(h.isHealthy(), true, 'not late yet');
    advance(1);
    assert.equal(h.isHealthy(), false, 'late: exactly healthTimeout');
    h.updated();
    assert.equal(h.isHealthy(), true);
    assert.equal(changes.length, 3, 'updated, the first queuedUpdate, updated: a second queuedUpdate changes nothing');
    assert.equal(changes.at(-1)?.oldestPendingQueued, undefined);
  });

  it('node eligibility: deleted or tainted ToBeDeletedByClusterAutoscaler nodes are not', () => {
    const { h } = fakeHealth();
    const node = (extra: Partial<Node>): Node => ({ metadata: { name: 'node1', ...extra.metadata }, spec: extra.spec });
    assert.equal(h.snapshot().nodeEligible, true, 'eligible until told otherwise');
    h.syncNode(node({ spec: { taints: [{ key: 'ToBeDeletedByClusterAutoscaler', value: '1700000000', effect: 'NoSchedule' }] } }));
    assert.equal(h.snapshot().nodeEligible, false);
    h.syncNode(node({ spec: { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] } }));
    assert.equal(h.snapshot().nodeEligible, true, 'a cordon does not matter');
    h.syncNode(node({ metadata: { name: 'node1', deletionTimestamp: '2026-11-23T22:00:00Z' } }));
    assert.equal(h.snapshot().nodeEligible, false);
  });

  it('rejects a non-positive timeout naming the field', () => {
    assert.throws(() => new ProxierHealth(0), /healthTimeoutMs: Invalid value: 0/);
  });
});

describe('health server answers', () => {
  it('formats times as Go time.String()', () => {
    assert.equal(goTimeString(T0), '2026-11-23 22:30:05.12 +0000 UTC');
    assert.equal(goTimeString(Date.UTC(2026, 0, 2, 3, 4, 5, 0), 12.5), '2026-01-02 03:04:05 +0000 UTC m=+12.500000000');
    assert.equal(goTimeString(undefined), '0001-01-01 00:00:00 +0000 UTC', 'the zero time');
  });

  it('/healthz: 200 with lastUpdated = currentTime when healthy, upstream\'s exact body', () => {
    const s: ProxierHealthState = { healthTimeoutMs: 1000, lastUpdated: T0 - 5000, nodeEligible: true };
    const r = healthzResponse(s, { now: T0 });
    assert.equal(r.status, 200);
    assert.equal(r.body, '{"lastUpdated": "2026-11-23 22:30:05.12 +0000 UTC","currentTime": "2026-11-23 22:30:05.12 +0000 UTC", "nodeEligible": true}');
    assert.equal(r.headers['Content-Type'], 'application/json');
    assert.equal(r.headers['X-Content-Type-Options'], 'nosniff');
    assert.deepEqual(Object.keys(JSON.parse(r.body)), ['lastUpdated', 'currentTime', 'nodeEligible']);
  });

  it('/healthz: 503 with the real lastUpdated when a change is late; /livez likewise', () => {
    const s: ProxierHealthState = { healthTimeoutMs: 1000, lastUpdated: T0 - 5000, oldestPendingQueued: T0 - 1000, nodeEligible: true };
    const hz = healthzResponse(s, { now: T0 });
    assert.equal(hz.status, 503);
    assert.equal(JSON.parse(hz.body).lastUpdated, '2026-11-23 22:30:00.12 +0000 UTC');
    const lz = livezResponse(s, { now: T0 });
    assert.equal(lz.status, 503);
    assert.deepEqual(Object.keys(JSON.parse(lz.body)), ['lastUpdated', 'currentTime']);
  });

  it('an ineligible node fails /healthz but not /livez', () => {
    const s: ProxierHealthState = { healthTimeoutMs: 1000, lastUpdated: T0, nodeEligible: false };
    const hz = healthzResponse(s, { now: T0 });
    assert.equal(hz.status, 503);
    assert.equal(JSON.parse(hz.body).nodeEligible, false);
    assert.equal(livezResponse(s, { now: T0 }).status, 200);
  });

  it('other paths: Go ServeMux\'s 404', () => {
    assert.deepEqual([notFoundResponse().status, notFoundResponse().body], [404, '404 page not found\n']);
  });

  it('bind address: host:port, errors name the field', () => {
    assert.deepEqual(parseBindAddress('0.0.0.0:10256'), { host: '0.0.0.0', port: 10256 });
    assert.throws(() => parseBindAddress('10256'), /healthzBindAddress: Invalid value: "10256"/);
    assert.throws(() => parseBindAddress('0.0.0.0:70000', '--healthz-bind-address'), /--healthz-bind-address: Invalid value/);
  });
});

describe('startProxy healthz option', () => {
  it('rejects a bad healthzBindAddress before touching anything', async () => {
    await assert.rejects(
      startProxy({ client: {} as Client, nodeName: 'n', netns: 'no-such-netns', nodeIP: '172.18.0.11', clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', healthzBindAddress: 'localhost' }),
      /healthzBindAddress: Invalid value: "localhost"/,
    );
  });
});
