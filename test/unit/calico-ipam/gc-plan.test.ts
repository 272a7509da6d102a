/** planGc: which allocations, affinities and blocks the IPAM controller releases. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BlockAffinity, IPAMBlock } from '../../../src/api/calico.js';
import { assignFromBlock, newBlock } from '../../../src/calico/ipam/block.js';
import { type GcState, planGc } from '../../../src/calico/ipam/gc-plan.js';

function block(cidr: string, node: string, allocs: Array<[string, Record<string, string>?]>, rv = '7'): IPAMBlock {
  const b = newBlock(cidr, node);
  for (const [h, sec] of allocs) assignFromBlock(b.spec!, h, sec);
  return { ...b, metadata: { ...b.metadata, resourceVersion: rv } };
}
const aff = (node: string, cidr: string): BlockAffinity => ({ metadata: { name: `${node}-${cidr.replace(/[./]/g, '-')}` }, spec: { node, cidr, state: 'confirmed', deleted: 'false' } });
const pod = (ns: string, p: string, node: string) => ({ namespace: ns, pod: p, node });

function state(over: Partial<GcState>): GcState {
  return { nodes: new Set(['n1']), pods: new Map(), blocks: [], affinities: [], leakSince: new Map(), now: 1000, leakGracePeriodMs: 500, ...over };
}

describe('calico ipam gc plan', () => {
  it('an allocation without attributes goes with its block\'s node', () => {
    const s = state({ blocks: [block('10.0.0.64/26', 'n2', [['net.bare']]), block('10.0.0.0/26', 'n1', [['net.live']])] });
    assert.deepEqual(planGc(s).releaseHandles, ['net.bare']);
  });

  it('a pod of the same name on another node does not keep a gone node\'s address', () => {
    const s = state({ pods: new Map([['default/web-0', 'n1']]), blocks: [block('10.0.0.64/26', 'n2', [['net.old', pod('default', 'web-0', 'n2')]])] });
    assert.deepEqual(planGc(s).releaseHandles, ['net.old']);
  });

  it('keeps allocations of existing pods and the blocks of existing nodes, even empty', () => {
    const s = state({ pods: new Map([['default/a', 'n1']]), blocks: [block('10.0.0.0/26', 'n1', [['net.a', pod('default', 'a', 'n1')]]), block('10.0.0.64/26', 'n1', [])], affinities: [aff('n1', '10.0.0.0/26'), aff('n1', '10.0.0.64/26')] });
    assert.deepEqual(planGc(s), { releaseHandles: [], deleteAffinities: [], deleteBlocks: [] });
  });

  it('a missing pod on a live node is released only after the grace period', () => {
    const s = state({ blocks: [block('10.0.0.0/26', 'n1', [['net.x', pod('default', 'x', 'n1')]])] });
    assert.deepEqual(planGc(s).releaseHandles, []);
    assert.equal(s.leakSince.get('net.x'), 1000);
    s.now = 1400;
    assert.deepEqual(planGc(s).releaseHandles, []);
    s.now = 1500;
    assert.deepEqual(planGc(s).releaseHandles, ['net.x']);
    assert.equal(s.leakSince.size, 0);
  });

  it('a candidate whose pod comes back is forgotten', () => {
    const s = state({ blocks: [block('10.0.0.0/26', 'n1', [['net.x', pod('default', 'x', 'n1')]])] });
    planGc(s);
    s.pods = new Map([['default/x', 'n1']]);
    planGc(s);
    assert.equal(s.leakSince.size, 0);
  });

  it('a gone node: its pods\' addresses at once; then (empty) its affinity and block', () => {
    const s = state({ blocks: [block('10.0.0.64/26', 'n2', [['net.y', pod('default', 'y', 'n2')]])], affinities: [aff('n2', '10.0.0.64/26')] });
    assert.deepEqual(planGc(s), { releaseHandles: ['net.y'], deleteAffinities: [], deleteBlocks: [] });
    const s2 = state({ blocks: [block('10.0.0.64/26', 'n2', [], '9')], affinities: [aff('n2', '10.0.0.64/26'), aff('n2', '10.0.1.0/26')] });
    assert.deepEqual(planGc(s2), { releaseHandles: [], deleteAffinities: ['n2-10-0-0-64-26', 'n2-10-0-1-0-26'], deleteBlocks: [{ name: '10-0-0-64-26', resourceVersion: '9' }] });
  });

  it('a gone node whose pod object still exists keeps the address until the pod goes', () => {
    const s = state({ pods: new Map([['default/y', 'n2']]), blocks: [block('10.0.0.64/26', 'n2', [['net.y', pod('default', 'y', 'n2')]])], affinities: [aff('n2', '10.0.0.64/26')] });
    assert.deepEqual(planGc(s), { releaseHandles: [], deleteAffinities: [], deleteBlocks: [] });
  });
});
