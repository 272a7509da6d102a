import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../../src/store/memory-store.js';
import type { Disposable, Store, StoreEvent } from '../../../src/store/store.js';
import { CompactedError } from '../../../src/store/store.js';
import { WatchCache, type CacheEvent } from '../../../src/apiserver/watch-cache.js';
import { StatusError } from '../../../src/apiserver/status.js';

/** A MemoryStore whose store watch the test can break, as etcd cancels one after a compaction. */
class BreakableStore extends MemoryStore {
  private breakers: ((err: Error) => void)[] = [];
  override watch(prefix: string, from: number, onEvents: (evs: StoreEvent[]) => void, onError?: (err: Error) => void): Disposable {
    if (onError) this.breakers.push(onError);
    return super.watch(prefix, from, onEvents);
  }
  breakWatches(): void {
    const b = this.breakers;
    this.breakers = [];
    for (const f of b) f(new CompactedError(1, 1));
  }
}

const cm = (name: string): string => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' } });
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('watch cache', () => {
  it('a broken store watch ends every watcher, old resourceVersions become 410, new events flow', async () => {
    const store = new BreakableStore();
    const s: Store = store;
    await s.create('/registry/configmaps/default/a', cm('a'));
    const cache = new WatchCache(s);
    await cache.start();
    const rv = await s.currentRevision();
    let terminated = 0;
    const seen: CacheEvent[] = [];
    cache.subscribe('/registry/configmaps/', rv, (ev) => seen.push(ev), () => terminated++);
    await s.create('/registry/configmaps/default/b', cm('b'));
    await settle();
    assert.deepEqual(seen.map((e) => e.key), ['/registry/configmaps/default/b']);

    store.breakWatches();
    await settle();
    assert.equal(terminated, 1, 'the watcher was ended so its client re-watches');
    assert.throws(() => cache.subscribe('/registry/configmaps/', rv, () => {}), (e: unknown) => e instanceof StatusError && e.code === 410);

    const now = await s.currentRevision();
    const after: string[] = [];
    cache.subscribe('/registry/configmaps/', now, (ev) => after.push(ev.key));
    await s.create('/registry/configmaps/default/c', cm('c'));
    await settle();
    assert.deepEqual(after, ['/registry/configmaps/default/c'], 'the cache follows the store again');
    cache.stop();
    await s.close();
  });
});
