import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration } from '../../../src/apiserver/human-duration.js';
import { printerFor } from '../../../src/apiserver/printers.js';
import { ClusterIPAllocator } from '../../../src/apiserver/cluster-ip-allocator.js';
import { ipv4ToNumber } from '../../../src/api/validation/ip.js';

describe('human durations', () => {
  const cases: [number, string][] = [[0, '0s'], [45, '45s'], [119, '119s'], [200, '3m20s'], [600, '10m'], [3 * 3600 + 120, '3h2m'], [10 * 3600, '10h'], [3 * 86400, '3d'], [50 * 86400, '50d'], [3 * 365 * 86400, '3y']];
  for (const [s, want] of cases) it(`${s}s -> ${want}`, () => assert.equal(humanDuration(s * 1000), want));
});

describe('printers', () => {
  it('pods: ready count, status from container state, restarts, Terminating', () => {
    const p = printerFor('Pod');
    const pod = {
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'a' }, { name: 'b' }], nodeName: 'n1' },
      status: {
        phase: 'Running',
        podIP: '10.244.0.5',
        containerStatuses: [
          { name: 'a', ready: true, restartCount: 1, state: { running: {} } },
          { name: 'b', ready: false, restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } },
        ],
      },
    };
    const row = p.row(pod as never);
    assert.deepEqual([row[0], row[1], row[2], row[3], row[5], row[6]], ['p', '1/2', 'CrashLoopBackOff', '3', '10.244.0.5', 'n1']);
    const gone = p.row({ ...pod, metadata: { name: 'p', deletionTimestamp: '2026-01-01T00:00:00Z' } } as never);
    assert.equal(gone[2], 'Terminating');
  });

  it('services: ports with node ports, LoadBalancer pending', () => {
    const row = printerFor('Service').row({ metadata: { name: 's' }, spec: { type: 'LoadBalancer', clusterIP: '10.96.0.5', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] }, status: {} } as never);
    assert.deepEqual([row[1], row[2], row[3], row[4], row[6]], ['LoadBalancer', '10.96.0.5', '<pending>', '80:30080/TCP', '<none>']);
  });

  it('nodes: Ready and roles', () => {
    const row = printerFor('Node').row({
      metadata: { name: 'n', labels: { 'node-role.kubernetes.io/control-plane': '' } },
      spec: { unschedulable: true },
      status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.32.0' }, addresses: [{ type: 'InternalIP', address: '172.18.0.11' }] },
    } as never);
    assert.deepEqual([row[1], row[2], row[4], row[5]], ['Ready,SchedulingDisabled', 'control-plane', 'v1.32.0', '172.18.0.11']);
  });
});

describe('ClusterIP allocator', () => {
  const first = () => 0;

  it('small ranges have no static band: the whole range, skipping taken IPs', () => {
    const a = new ClusterIPAllocator('10.96.0.0/28', first);
    assert.deepEqual(a.allocate('10.96.0.2'), { ip: '10.96.0.2' });
    assert.deepEqual(a.allocate(), { ip: '10.96.0.1' }, 'small ranges use the whole range');
    assert.deepEqual(a.allocate(), { ip: '10.96.0.3' });
  });

  it('a /12 allocates at random above the 256-address static band', () => {
    const a = new ClusterIPAllocator('10.96.0.0/12');
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const r = a.allocate();
      assert.ok('ip' in r);
      const offset = ipv4ToNumber(r.ip) - ipv4ToNumber('10.96.0.0');
      assert.ok(offset > 256 && offset < 2 ** 20 - 1, `${r.ip} lies above the static band, inside the range`);
      seen.add(r.ip);
    }
    assert.equal(seen.size, 50, 'no IP handed out twice');
    assert.ok(new Set([...seen].map((ip) => ip.split('.')[1])).size > 1, 'random across the range, not sequential');
  });

  it('a /12: requested IPs in the static band; the band is used only when the top is full', () => {
    const a = new ClusterIPAllocator('10.96.0.0/12', first);
    assert.deepEqual(a.allocate(), { ip: '10.96.1.1' }, 'the first dynamic offset is just above the band');
    assert.deepEqual(a.allocate('10.96.0.10'), { ip: '10.96.0.10' });
    assert.ok('error' in a.allocate('10.96.0.10'));
    assert.ok('error' in a.allocate('10.112.0.1'));
    assert.ok('error' in a.allocate('10.96.0.0'), 'the network address is not allocatable');
    a.release('10.96.0.10');
    assert.deepEqual(a.allocate('10.96.0.10'), { ip: '10.96.0.10' });
    const small = new ClusterIPAllocator('10.0.0.0/27', first); // 32 addresses: band of 16
    const got = Array.from({ length: 30 }, () => small.allocate());
    assert.deepEqual(got.slice(0, 2), [{ ip: '10.0.0.17' }, { ip: '10.0.0.18' }]);
    assert.deepEqual(got[14], { ip: '10.0.0.1' }, 'then the static band');
  });

  it('reports a full range', () => {
    const a = new ClusterIPAllocator('10.0.0.0/30');
    const got = [a.allocate(), a.allocate()].map((r) => ('ip' in r ? r.ip : '')).sort();
    assert.deepEqual(got, ['10.0.0.1', '10.0.0.2']);
    const r = a.allocate();
    assert.ok('error' in r && /range is full/.test(r.error.detail!));
  });
});
