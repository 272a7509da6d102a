/** The block model: ordinals from the front, freed ones to the back, attributes compacted. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  affinityName, allocationsOf, assignFromBlock, blockName, ipToOrdinal, isEmptyBlock, newBlock, poolBlocks, releaseHandleFromBlock,
} from '../../../src/calico/ipam/block.js';
import { affineBlocksOf, sortCidrs } from '../../../src/calico/ipam/affinities.js';
import { handleName } from '../../../src/calico/ipam/handles.js';
import { validateIPAMBlock, validateBlockAffinity, validateIPAMHandle } from '../../../src/api/validation/calico.js';

describe('calico ipam block', () => {
  it('names blocks and affinities as Calico KDD does', () => {
    assert.equal(blockName('10.244.0.0/26'), '10-244-0-0-26');
    assert.equal(affinityName('node1', '10.244.0.64/26'), 'node1-10-244-0-64-26');
  });

  it('a new /26 has 64 free ordinals and the node affinity', () => {
    const b = newBlock('10.244.0.64/26', 'node1').spec!;
    assert.equal(b.allocations.length, 64);
    assert.deepEqual(b.unallocated.slice(0, 3), [0, 1, 2]);
    assert.equal(b.affinity, 'host:node1');
    assert.deepEqual(validateIPAMBlock({ spec: b }), []);
  });

  it('hands out the first free ordinal and puts freed ones at the back', () => {
    const b = newBlock('10.244.0.0/26', 'n').spec!;
    assert.equal(assignFromBlock(b, 'h1'), '10.244.0.0');
    assert.equal(assignFromBlock(b, 'h2', { pod: 'p2' }), '10.244.0.1');
    assert.equal(assignFromBlock(b, 'h3'), '10.244.0.2');
    assert.deepEqual(releaseHandleFromBlock(b, 'h2'), ['10.244.0.1']);
    assert.equal(b.unallocated.at(-1), 1);
    // attributes compacted: h1, h3 remain and allocations point at them
    assert.deepEqual(b.attributes.map((a) => a.handle_id), ['h1', 'h3']);
    assert.deepEqual(allocationsOf(b).map((a) => [a.ip, a.attr.handle_id]), [['10.244.0.0', 'h1'], ['10.244.0.2', 'h3']]);
    assert.equal(assignFromBlock(b, 'h4'), '10.244.0.3');
    assert.equal(ipToOrdinal(b, '10.244.0.3'), 3);
    assert.equal(ipToOrdinal(b, '10.244.1.3'), -1);
  });

  it('a full block gives undefined; releasing everything empties it', () => {
    const b = newBlock('10.244.0.0/30', 'n').spec!;
    for (let i = 0; i < 4; i++) assert.ok(assignFromBlock(b, `h${i % 2}`));
    assert.equal(assignFromBlock(b, 'x'), undefined);
    assert.equal(releaseHandleFromBlock(b, 'h0').length, 2);
    assert.equal(releaseHandleFromBlock(b, 'h1').length, 2);
    assert.equal(releaseHandleFromBlock(b, 'h1').length, 0);
    assert.ok(isEmptyBlock(b));
    assert.deepEqual(b.attributes, []);
  });

  it('splits a pool into blocks in address order and refuses a bad block size', () => {
    assert.deepEqual([...poolBlocks('10.244.0.0/24', 26)], ['10.244.0.0/26', '10.244.0.64/26', '10.244.0.128/26', '10.244.0.192/26']);
    assert.throws(() => [...poolBlocks('10.244.0.0/24', 20)], /blockSize must be in 24\.\.32/);
  });

  it('affineBlocksOf keeps confirmed affinities of the node, sorted by address', () => {
    const aff = (node: string, cidr: string, state: 'confirmed' | 'pending') => ({ spec: { node, cidr, state, deleted: 'false' } });
    const list = [aff('a', '10.244.1.0/26', 'confirmed'), aff('a', '10.244.0.64/26', 'confirmed'), aff('a', '10.244.0.0/26', 'pending'), aff('b', '10.244.0.128/26', 'confirmed')];
    assert.deepEqual(affineBlocksOf(list, 'a'), ['10.244.0.64/26', '10.244.1.0/26']);
    assert.deepEqual(sortCidrs(['10.244.10.0/26', '10.244.9.0/26']), ['10.244.9.0/26', '10.244.10.0/26']);
  });

  it('handle names: the id when it is a valid name, else a hash', () => {
    assert.equal(handleName('k8s-pod-network.abc123'), 'k8s-pod-network.abc123');
    assert.match(handleName('k8s-pod-network.ABC_1'), /^h-[0-9a-f]{40}$/);
  });

  it('validation names the field', () => {
    assert.equal(validateIPAMBlock({ spec: { ...newBlock('10.244.0.0/26', 'n').spec!, cidr: '10.244.0.0/33' } })[0].field, 'spec.cidr');
    assert.equal(validateIPAMBlock({ spec: { ...newBlock('10.244.0.0/26', 'n').spec!, allocations: [] } })[0].field, 'spec.allocations');
    assert.equal(validateBlockAffinity({ spec: { node: 'n', cidr: '10.244.0.0/26', state: 'bogus' as 'pending', deleted: 'false' } })[0].field, 'spec.state');
    assert.equal(validateIPAMHandle({ spec: { handleID: '', block: {} } })[0].field, 'spec.handleID');
  });
});
