import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Answer } from 'dns-packet';
import { roundRobin } from '../../../src/dns/loadbalance.js';

const a = (ip: string): Answer => ({ type: 'A', name: 'h.ns.svc.cluster.local', ttl: 30, data: ip });

test('A records rotate one step per turn; a leading CNAME stays first', () => {
  const cname: Answer = { type: 'CNAME', name: 'x', ttl: 30, data: 'h.ns.svc.cluster.local' };
  const res = { answers: [cname, a('1.1.1.1'), a('2.2.2.2'), a('3.3.3.3')] };
  const firsts = [0, 1, 2, 3].map((t) => roundRobin(res, t).answers?.map((x) => ('data' in x ? x.data : '')));
  assert.deepEqual(firsts, [
    ['h.ns.svc.cluster.local', '1.1.1.1', '2.2.2.2', '3.3.3.3'],
    ['h.ns.svc.cluster.local', '2.2.2.2', '3.3.3.3', '1.1.1.1'],
    ['h.ns.svc.cluster.local', '3.3.3.3', '1.1.1.1', '2.2.2.2'],
    ['h.ns.svc.cluster.local', '1.1.1.1', '2.2.2.2', '3.3.3.3'],
  ]);
  const single = { answers: [a('1.1.1.1')] };
  assert.equal(roundRobin(single, 5), single);
});
