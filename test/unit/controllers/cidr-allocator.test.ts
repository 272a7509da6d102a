import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CidrSet, parseCidr, formatCidr } from '../../../src/controllers/cidr-allocator.js';

test('allocates /24s from the cluster CIDR, first free first', () => {
  const s = new CidrSet('10.244.0.0/16', 24);
  assert.equal(s.allocateNext(), '10.244.0.0/24');
  assert.equal(s.allocateNext(), '10.244.1.0/24');
  s.release('10.244.0.0/24');
  assert.equal(s.allocateNext(), '10.244.0.0/24');
  assert.equal(s.allocateNext(), '10.244.2.0/24');
});

test('occupy rebuilds state from existing nodes and ignores foreign CIDRs', () => {
  const s = new CidrSet('10.244.0.0/16', 24);
  assert.equal(s.occupy('10.244.0.0/24'), true);
  assert.equal(s.occupy('10.244.2.0/24'), true);
  assert.equal(s.occupy('192.168.0.0/24'), false);
  assert.equal(s.occupy('10.244.3.0/25'), false);
  assert.equal(s.allocateNext(), '10.244.1.0/24');
  assert.equal(s.allocateNext(), '10.244.3.0/24');
});

test('exhaustion and bad input give clear errors naming the field', () => {
  const s = new CidrSet('10.0.0.0/30', 31);
  s.allocateNext();
  s.allocateNext();
  assert.throws(() => s.allocateNext(), /Cannot allocate a \/31 from "10.0.0.0\/30": all 2 subnets in use/);
  assert.throws(() => new CidrSet('10.244.0.0/16', 8), /nodeCIDRMaskSize/);
  assert.throws(() => new CidrSet('10.244.0/16', 24), /clusterCIDR: "10.244.0\/16"/);
  assert.throws(() => new CidrSet('10.0.0.0/8', 31), /more than 2\^20/);
});

test('parseCidr masks host bits', () => {
  assert.equal(formatCidr(parseCidr('10.244.7.9/16')), '10.244.0.0/16');
});
