import { it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../../src/store/memory-store.js';
import { Registry } from '../../../src/apiserver/registry.js';
import { ClusterIPAllocator } from '../../../src/apiserver/cluster-ip-allocator.js';
import { NodePortAllocator } from '../../../src/apiserver/node-port-allocator.js';
import { ServiceAllocations } from '../../../src/apiserver/service-allocations.js';
import { EventTTL } from '../../../src/apiserver/event-ttl.js';
import { bootstrapNamespaces } from '../../../src/apiserver/bootstrap.js';
import { resourceByPlural } from '../../../src/api/resources.js';

it('deletes Events last seen longer ago than the TTL', async () => {
  const store = new MemoryStore();
  const reg = new Registry(store, new ServiceAllocations(new ClusterIPAllocator('10.96.0.0/12'), new NodePortAllocator()));
  await bootstrapNamespaces(reg);
  const events = resourceByPlural('events', '')!;
  const now = Date.parse('2026-11-23T18:00:00Z');
  const ev = (name: string, lastTimestamp: string) => ({ metadata: { name }, involvedObject: { kind: 'Pod', name: 'p' }, reason: 'X', lastTimestamp });
  await reg.create(events, 'default', ev('old', '2026-11-23T16:00:00Z'));
  await reg.create(events, 'default', ev('fresh', '2026-11-23T17:30:00Z'));
  assert.equal(await new EventTTL(reg, 3600).expire(now), 1);
  assert.deepEqual((await reg.list(events, 'default')).items.map((e) => e.metadata?.name), ['fresh']);
  await store.close();
});
