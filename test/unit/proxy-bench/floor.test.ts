/** The nftables kernel floor's transactions (bench/proxy-sync-floor.ts), pure part. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { floorChains, rewriteChainScript } from '../../../bench/proxy-sync-floor.js';
import { fillerEndpoints, makeServiceSet, NODE_OPTS } from '../../../bench/proxy-fixture.js';
import { buildServiceFragment, ServiceTable } from '../../../src/proxy/service-table.js';

function tableOf(n: number): ServiceTable {
  const set = makeServiceSet(n);
  const table = new ServiceTable();
  set.services.forEach((svc, i) => table.setService(`default/${svc.metadata!.name}`, buildServiceFragment(svc, [set.slices[i]], NODE_OPTS)));
  return table;
}

test('floorChains finds the Service\'s own service chain and the endpoint chain of that IP, not svc-1x\'s', () => {
  const table = tableOf(12);
  const ip = fillerEndpoints(1)[3];
  const { vmap, dnat } = floorChains(table.desired, 'svc-1', ip);
  assert.match(vmap, /^service-[A-Z2-7]{8}-default\/svc-1\/tcp\/http$/);
  assert.equal(dnat.split('-default/')[1], `svc-1/tcp/http__${ip}/8080`);
});

test('an IP the Service does not reach is a clear error', () => {
  assert.throws(() => floorChains(tableOf(3).desired, 'svc-1', '10.244.255.9'), /kernel floor: no endpoint chain of svc-1 for 10\.244\.255\.9/);
  assert.throws(() => floorChains(tableOf(3).desired, 'svc-7', '10.244.255.9'), /no service chain of svc-7/);
});

test('the vmap floor flushes the service chain and writes its same numgen vmap rule, in one chain block', () => {
  const table = tableOf(3);
  const chain = floorChains(table.desired, 'svc-2', fillerEndpoints(2)[0]).vmap;
  const script = rewriteChainScript(table.desired, chain);
  assert.match(script, new RegExp(`^flush chain ip kube-proxy ${chain.replaceAll('/', '\\/')}$`, 'm'));
  const block = script.split('\n').find((l) => l.startsWith(`add chain ip kube-proxy ${chain} {`));
  assert.ok(block, `one chain block in:\n${script}`);
  assert.match(block, /numgen random mod 10 vmap \{/);
  for (const rule of table.desired.chains.get(chain)!) assert.ok(block.includes(rule), `rule kept: ${rule}`);
  assert.ok(!/^add (rule|element) /m.test(script), 'no add rule/element lines (they make nft 1.0.6 read every chain)');
  assert.throws(() => rewriteChainScript(table.desired, 'service-XXXXXXXX-default/nope/tcp/http'), /not in the table/);
});
