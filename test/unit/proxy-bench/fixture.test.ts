/** The proxy benchmarks' synthetic Services: sizes, address ranges and the statistics they print. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKEND_IPS, ENDPOINTS_PER_SERVICE, makeServiceSet, NODE_OPTS, stats, TARGET_IP } from '../../../bench/proxy-fixture.js';
import { renderRuleset } from '../../../src/proxy/render.js';
import { cidrContains } from '../../../src/proxy/service-port.js';

test('10,000 Services get distinct ClusterIPs in the service CIDR and 10 endpoints off the real pods', () => {
  const set = makeServiceSet(10_000, true);
  assert.equal(set.services.length, 10_000);
  assert.equal(set.slices.length, 10_000);
  const ips = set.services.map((s) => s.spec!.clusterIP!);
  assert.equal(new Set(ips).size, 10_000, 'ClusterIPs are distinct');
  assert.ok(ips.every((ip) => cidrContains(NODE_OPTS.serviceCIDR, ip)), 'every ClusterIP is in the service CIDR');
  assert.ok(!ips.slice(0, -1).some((ip) => ip.startsWith('10.96.0.')), 'fillers stay out of 10.96.0.0/24');
  for (const s of set.slices.slice(0, -1)) {
    assert.equal(s.endpoints!.length, ENDPOINTS_PER_SERVICE);
    for (const e of s.endpoints!) {
      const a = e.addresses[0];
      assert.ok(cidrContains(NODE_OPTS.clusterCIDR, a) && !cidrContains('10.244.0.0/24', a), `${a} is a filler pod IP`);
    }
  }
  assert.equal(ips.at(-1), TARGET_IP);
  assert.deepEqual(set.slices.at(-1)!.endpoints!.map((e) => e.addresses[0]), BACKEND_IPS);
});

test('the rendered ruleset maps the target ClusterIP to its service chain and DNATs to the backend', () => {
  const set = makeServiceSet(20, true);
  const text = renderRuleset(set.services, set.slices, NODE_OPTS);
  assert.match(text, /add element ip kube-proxy service-ips \{ 10\.96\.0\.50 \. tcp \. 80 .*: goto service-[A-Z2-7]{8}-default\/target\/tcp\/http \}/);
  assert.match(text, /endpoint-[A-Z2-7]{8}-default\/target\/tcp\/http__10\.244\.0\.12\/80 meta l4proto tcp dnat to 10\.244\.0\.12:80/);
});

test('stats: median, p90, p99 and min of a known sample', () => {
  const s = stats(Array.from({ length: 100 }, (_, i) => 100 - i));
  assert.deepEqual(s, { n: 100, median: 50.5, p90: 90, p99: 99, min: 1 });
});
