/** The conformance suite every Store backend passes (etcd's semantics, as kube-apiserver uses them). */
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { type Store, type StoreEvent, isCompacted } from '../../../src/store/store.js';

function collect(store: Store, prefix: string, from: number): { events: StoreEvent[]; wait(n: number): Promise<StoreEvent[]>; stop(): void } {
  const events: StoreEvent[] = [];
  const w = store.watch(prefix, from, (evs) => events.push(...evs));
  return {
    events,
    async wait(n) {
      for (let i = 0; i < 200 && events.length < n; i++) await new Promise((r) => setTimeout(r, 5));
      return events;
    },
    stop: () => w.dispose(),
  };
}

export interface StoreSuiteOptions {
  /**
   * The revision a new store starts at: 0 for podnet's engines. A store sharing a backend with
   * earlier tests (etcd under a fresh key prefix) starts wherever the backend is: undefined.
   * Every other revision the suite checks is counted from the starting one.
   */
  initialRevision?: number;
}

export function runStoreSuite(name: string, makeStore: () => Promise<Store>, opts: StoreSuiteOptions = { initialRevision: 0 }): void {
  describe(`Store conformance: ${name}`, () => {
    let s: Store;
    let base = 0;
    /** The revision of the n-th write of the current test. */
    const r = (n: number): number => base + n;
    beforeEach(async () => {
      s = await makeStore();
      base = await s.currentRevision();
    });
    afterEach(async () => {
      await s.close();
    });

    it('starts empty at its initial revision', async () => {
      if (opts.initialRevision !== undefined) assert.equal(await s.currentRevision(), opts.initialRevision);
      assert.deepEqual((await s.range('/')).kvs, []);
    });

    it('create assigns revisions, create-if-absent fails on an existing key', async () => {
      const a = await s.create('/a', 'v1');
      assert.equal(a.ok, true);
      assert.equal(a.revision, r(1));
      assert.deepEqual(a.kv, { key: '/a', value: 'v1', createRevision: r(1), modRevision: r(1), version: 1 });
      const again = await s.create('/a', 'v2');
      assert.equal(again.ok, false);
      assert.equal(again.kv?.value, 'v1');
      assert.equal(await s.currentRevision(), r(1));
    });

    it('update is conditional on modRevision and bumps version', async () => {
      await s.create('/a', 'v1');
      const bad = await s.update('/a', 'x', r(7));
      assert.equal(bad.ok, false);
      assert.equal(bad.kv?.modRevision, r(1));
      const ok = await s.update('/a', 'v2', r(1));
      assert.equal(ok.ok, true);
      assert.deepEqual(await s.get('/a'), { key: '/a', value: 'v2', createRevision: r(1), modRevision: r(2), version: 2 });
      const missing = await s.update('/nope', 'x', 0);
      assert.equal(missing.ok, false);
      assert.equal(missing.kv, undefined);
    });

    it('delete is conditional, returns the deleted value, and a key can be recreated', async () => {
      await s.create('/a', 'v1');
      assert.equal((await s.delete('/a', r(5))).ok, false);
      const d = await s.delete('/a', r(1));
      assert.equal(d.ok, true);
      assert.equal(d.revision, r(2));
      assert.equal(d.kv?.value, 'v1');
      assert.equal(await s.get('/a'), undefined);
      assert.equal((await s.delete('/a')).ok, false);
      const c = await s.create('/a', 'v3');
      assert.equal(c.ok, true);
      assert.deepEqual(c.kv, { key: '/a', value: 'v3', createRevision: r(3), modRevision: r(3), version: 1 });
    });

    it('get and range read history at a revision', async () => {
      await s.create('/p/a', 'a1'); // 1
      await s.create('/p/b', 'b1'); // 2
      await s.update('/p/a', 'a2', r(1)); // 3
      await s.delete('/p/b', r(2)); // 4
      assert.equal((await s.get('/p/a', { revision: r(2) }))?.value, 'a1');
      assert.equal((await s.get('/p/b', { revision: r(3) }))?.value, 'b1');
      assert.equal(await s.get('/p/b', { revision: r(4) }), undefined);
      const at2 = await s.range('/p/', { revision: r(2) });
      assert.deepEqual(at2.kvs.map((kv) => [kv.key, kv.value]), [['/p/a', 'a1'], ['/p/b', 'b1']]);
      assert.equal(at2.revision, r(2));
      const now = await s.range('/p/');
      assert.deepEqual(now.kvs.map((kv) => [kv.key, kv.value]), [['/p/a', 'a2']]);
      assert.equal(now.revision, r(4));
    });

    it('range is by prefix, sorted, with limit and startKey', async () => {
      for (const k of ['/r/c', '/r/a', '/r/b', '/rx', '/q/a']) await s.create(k, k);
      const all = await s.range('/r/');
      assert.deepEqual(all.kvs.map((kv) => kv.key), ['/r/a', '/r/b', '/r/c']);
      assert.equal(all.more, false);
      const page = await s.range('/r/', { limit: 2 });
      assert.deepEqual(page.kvs.map((kv) => kv.key), ['/r/a', '/r/b']);
      assert.equal(page.more, true);
      const next = await s.range('/r/', { limit: 2, startKey: '/r/c' });
      assert.deepEqual(next.kvs.map((kv) => kv.key), ['/r/c']);
      assert.equal(next.more, false);
    });

    it('watch delivers live events with prevKv, only under its prefix', async () => {
      await s.create('/w/a', 'a1');
      const w = collect(s, '/w/', 0);
      await s.update('/w/a', 'a2', r(1));
      await s.create('/other', 'x');
      await s.delete('/w/a');
      const evs = await w.wait(2);
      w.stop();
      assert.deepEqual(evs.map((e) => [e.type, e.kv.key, e.kv.value, e.revision]), [
        ['put', '/w/a', 'a2', r(2)],
        ['delete', '/w/a', 'a2', r(4)],
      ]);
      assert.equal(evs[0].prevKv?.value, 'a1');
      assert.equal(evs[1].prevKv?.value, 'a2');
      assert.equal(evs[1].prevKv?.modRevision, r(2));
      assert.equal(evs[1].kv.modRevision, r(4));
    });

    it('watch from an old revision replays history, then continues live in order', async () => {
      await s.create('/h/a', 'a1'); // 1
      await s.update('/h/a', 'a2', r(1)); // 2
      await s.delete('/h/a'); // 3
      const w = collect(s, '/h/', r(2));
      await s.create('/h/b', 'b1'); // 4
      const evs = await w.wait(3);
      w.stop();
      assert.deepEqual(evs.map((e) => [e.type, e.kv.key, e.revision]), [
        ['put', '/h/a', r(2)],
        ['delete', '/h/a', r(3)],
        ['put', '/h/b', r(4)],
      ]);
      assert.equal(evs[0].prevKv?.value, 'a1');
      assert.equal(evs[2].prevKv, undefined);
    });

    it('a disposed watch gets nothing more', async () => {
      const w = collect(s, '/', 0);
      w.stop();
      await s.create('/x', '1');
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(w.events.length, 0);
    });

    it('compaction keeps current values, drops old history, and refuses old watches', async () => {
      await s.create('/c/a', 'a1'); // 1
      await s.update('/c/a', 'a2', r(1)); // 2
      await s.create('/c/b', 'b1'); // 3
      await s.delete('/c/b'); // 4
      await s.update('/c/a', 'a3', r(2)); // 5
      await s.compact(r(4));
      assert.equal(await s.compactRevision(), r(4));
      assert.equal((await s.get('/c/a'))?.value, 'a3');
      assert.equal((await s.get('/c/a', { revision: r(4) }))?.value, 'a2');
      assert.deepEqual((await s.range('/c/', { revision: r(4) })).kvs.map((kv) => kv.value), ['a2']);
      assert.throws(() => s.watch('/c/', r(2), () => {}), (e: unknown) => isCompacted(e));
      await assert.rejects(s.get('/c/a', { revision: r(1) }), (e: unknown) => isCompacted(e));
      const w = collect(s, '/c/', r(4));
      const evs = await w.wait(2);
      w.stop();
      assert.deepEqual(evs.map((e) => [e.type, e.revision]), [['delete', r(4)], ['put', r(5)]]);
    });

    it('revisions keep increasing and values hold any JSON text', async () => {
      const obj = JSON.stringify({ metadata: { name: 'ü/"x"' }, list: [1, 2, 3] });
      let last = 0;
      for (let i = 0; i < 20; i++) {
        const r = await s.create(`/n/${i}`, obj);
        assert.ok(r.revision > last);
        last = r.revision;
      }
      assert.equal((await s.get('/n/7'))?.value, obj);
      assert.equal((await s.range('/n/')).kvs.length, 20);
    });
  });
}
