import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../../src/store/memory-store.js';
import { WatchCache } from '../../../src/apiserver/watch-cache.js';
import { NamespaceCache } from '../../../src/apiserver/namespace-cache.js';

const ns = (name: string, phase = 'Active'): string => JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, status: { phase } });
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('namespace cache', () => {
  it('lists, follows events, and never goes back behind a newer write it was told of', async () => {
    const store = new MemoryStore();
    await store.create('/registry/namespaces/a', ns('a'));
    const cache = new WatchCache(store);
    await cache.start();
    const nss = new NamespaceCache(store, cache);
    await nss.start();
    assert.equal(nss.get('a')?.metadata?.name, 'a');
    assert.equal(nss.get('b'), undefined);

    const b = await store.create('/registry/namespaces/b', ns('b'));
    await settle();
    assert.equal(nss.get('b')?.metadata?.name, 'b', 'events update it');

    const kv = (await store.get('/registry/namespaces/a'))!;
    const t = await store.update('/registry/namespaces/a', ns('a', 'Terminating'), kv.modRevision);
    nss.observe('a', JSON.parse(ns('a', 'Terminating')), t.revision);
    assert.equal((nss.get('a')?.status as { phase: string }).phase, 'Terminating', 'a write is seen at once');
    nss.observe('a', JSON.parse(ns('a')), kv.modRevision);
    assert.equal((nss.get('a')?.status as { phase: string }).phase, 'Terminating', 'an older state is ignored');

    const gone = await store.delete('/registry/namespaces/b', b.revision);
    nss.observe('b', undefined, gone.revision);
    await settle();
    assert.equal(nss.get('b'), undefined, 'a delete is a tombstone older events cannot undo');
    nss.stop();
    cache.stop();
    await store.close();
  });
});
