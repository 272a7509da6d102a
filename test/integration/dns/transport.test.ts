/**
 * The DNS transport on real sockets, queried by the real `dig`: UDP, TCP, and truncation of a
 * large UDP answer that dig then retries over TCP. The lookup is a fixed fake (the API side is
 * covered by dns-server.test.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { serveLookup } from '../../../src/dns/server.js';
import type { DnsEndpoint } from '../../../src/dns/records.js';
import { FakeLookup } from '../../unit/dns/fake-lookup.js';
import { dig } from './dig.js';

const many: DnsEndpoint[] = Array.from({ length: 20 }, (_, i) => ({ addresses: [`10.244.${i >> 4}.${(i % 16) + 2}`], ready: true, ports: [] }));
const lookup = new FakeLookup(
  [
    { name: 'web', namespace: 'default', type: 'ClusterIP', clusterIPs: ['10.96.0.20'], headless: false, ports: [{ name: 'http', protocol: 'TCP', port: 80 }] },
    { name: 'big', namespace: 'default', type: 'ClusterIP', clusterIPs: [], headless: true, ports: [] },
  ],
  { 'default/big': many },
  ['default'],
);
let server: { port: number; close(): Promise<void> };

before(async () => {
  server = await serveLookup(lookup, { zone: 'cluster.local', ttl: 30 }, '127.0.0.1', 0);
});
after(async () => {
  await server.close();
});

test('A over UDP and over TCP', async () => {
  for (const extra of [[], ['+tcp']]) {
    const r = await dig(server.port, 'web.default.svc.cluster.local', 'A', extra);
    assert.equal(r.status, 'NOERROR', r.raw);
    assert.ok(r.flags.includes('aa'), r.raw);
    assert.deepEqual(r.answer, ['web.default.svc.cluster.local. 30 IN A 10.96.0.20']);
  }
});

test('NXDOMAIN carries the SOA; REFUSED outside the zone', async () => {
  const r = await dig(server.port, 'nope.default.svc.cluster.local');
  assert.equal(r.status, 'NXDOMAIN');
  assert.match(r.authority[0], /^cluster\.local\. 30 IN SOA ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ 7200 1800 86400 30$/);
  assert.equal((await dig(server.port, 'example.com', 'A', ['+tcp'])).status, 'REFUSED');
});

test('a large UDP answer is truncated; dig retries over TCP and gets all records', async () => {
  const noRetry = await dig(server.port, 'big.default.svc.cluster.local', 'A', ['+ignore', '+noedns']);
  assert.ok(noRetry.flags.includes('tc'), noRetry.raw);
  assert.equal(noRetry.answer.length, 0);
  const full = await dig(server.port, 'big.default.svc.cluster.local', 'A', ['+noedns']);
  assert.equal(full.status, 'NOERROR');
  assert.equal(full.answer.length, 20);
  // with EDNS (dig sends a 1232-byte buffer) the same answer fits in UDP (dns-packet does not compress names: ~45 bytes a record)
  const edns = await dig(server.port, 'big.default.svc.cluster.local', 'A', ['+ignore']);
  assert.ok(!edns.flags.includes('tc'));
  assert.equal(edns.answer.length, 20);
});
