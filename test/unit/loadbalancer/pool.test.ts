import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IPPool, DEFAULT_LB_POOL } from '../../../src/loadbalancer/pool.js';

describe('IPPool', () => {
  it('parses ranges, CIDRs and single addresses and hands out the lowest free address', () => {
    const p = new IPPool('172.18.0.240-172.18.0.241, 10.0.0.8/30,192.168.1.1');
    assert.equal(p.firstFree(new Set()), '172.18.0.240');
    assert.equal(p.firstFree(new Set(['172.18.0.240'])), '172.18.0.241');
    assert.equal(p.firstFree(new Set(['172.18.0.240', '172.18.0.241'])), '10.0.0.8');
    assert.ok(p.contains('10.0.0.11'));
    assert.ok(!p.contains('10.0.0.12'));
    assert.ok(p.contains('192.168.1.1'));
    assert.ok(!p.contains('nope'));
  });

  it('reports exhaustion as undefined', () => {
    const p = new IPPool('10.1.1.1');
    assert.equal(p.firstFree(new Set(['10.1.1.1'])), undefined);
  });

  it('defaults to a free range of the node network', () => {
    const p = new IPPool(DEFAULT_LB_POOL);
    assert.ok(p.contains('172.18.0.240') && p.contains('172.18.0.250') && !p.contains('172.18.0.200') && !p.contains('172.18.0.11'));
  });

  it('names the field and the bad value on invalid input', () => {
    assert.throws(() => new IPPool('10.0.0.5-10.0.0.1'), /lbPool: Invalid value "10.0.0.5-10.0.0.1": the range ends before it starts/);
    assert.throws(() => new IPPool('10.0.0.300'), /lbPool: Invalid value "10.0.0.300"/);
    assert.throws(() => new IPPool('10.0.0.0/33', '--lb-pool'), /--lb-pool: Invalid value "10.0.0.0\/33": must be an IPv4 CIDR/);
    assert.throws(() => new IPPool(' , '), /lbPool: Required value/);
  });
});
