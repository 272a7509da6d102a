/**
 * EtcdStore on a real etcd (Debian's etcd-server, started by the test): the Store conformance
 * suite, then what only etcd has: key prefixes shared on one server, a compact revision learned
 * from etcd itself, and a watch canceled by a compaction it did not know about.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { openStore, EtcdStore, isCompacted, type Store, type StoreEvent } from '../../../src/store/index.js';
import { runStoreSuite } from '../../unit/store/store-suite.js';
import { startEtcd, type EtcdServer } from '../../helpers/etcd.js';

let etcd: EtcdServer;
let n = 0;
const opened: Store[] = [];

before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  for (const s of opened) await s.close();
  await etcd?.stop();
});

async function open(prefix: string): Promise<Store> {
  const s = await openStore({ kind: 'etcd', endpoints: [etcd.endpoint], prefix });
  opened.push(s);
  return s;
}

runStoreSuite('etcd', () => openStore({ kind: 'etcd', endpoints: [etcd.endpoint], prefix: `/suite${n++}` }), { initialRevision: undefined });

describe('EtcdStore on a shared etcd', () => {
  it('keeps clusters apart by key prefix; etcd holds the prefixed keys', async () => {
    const a = await open('/podnet/a');
    const b = await open('/podnet/b');
    const seen: StoreEvent[] = [];
    const w = b.watch('/registry/', 0, (evs) => seen.push(...evs));
    const ca = await a.create('/registry/configmaps/default/x', 'from a');
    const cb = await b.create('/registry/configmaps/default/x', 'from b');
    assert.equal(ca.ok && cb.ok, true, 'the same Store key is free under each prefix');
    assert.ok(cb.revision > ca.revision, 'one revision counter for the whole etcd');
    assert.deepEqual((await a.range('/registry/')).kvs.map((kv) => kv.value), ['from a']);
    for (let i = 0; i < 100 && !seen.length; i++) await new Promise((r) => setTimeout(r, 10));
    w.dispose();
    assert.deepEqual(seen.map((e) => [e.kv.key, e.kv.value]), [['/registry/configmaps/default/x', 'from b']]);
    const raw = new Etcd3({ hosts: etcd.endpoint });
    try {
      assert.equal(await raw.get('/podnet/a/registry/configmaps/default/x').string(), 'from a');
    } finally {
      raw.close();
    }
  });

  it('a new store learns the compact revision from etcd, and old reads fail as CompactedError', async () => {
    const a = await open('/learn');
    for (let i = 0; i < 5; i++) await a.create(`/k${i}`, 'v');
    const target = (await a.currentRevision()) - 2;
    await a.compact(target);
    const b = await open('/learn');
    assert.equal(await b.compactRevision(), target);
    assert.throws(() => b.watch('/', target - 1, () => {}), (e: unknown) => isCompacted(e));
    // etcd itself keeps target - 1 (so that a delete at target stays watchable); older is gone.
    await assert.rejects(b.range('/', { revision: target - 2 }), (e: unknown) => isCompacted(e) && e.compacted === target);
    assert.equal((await b.range('/', { revision: target })).kvs.length, 3);
  });

  it('a watch from a revision another client compacted is ended with onError(CompactedError)', async () => {
    const stale = await open('/stale');
    const fresh = await open('/stale');
    await stale.create('/a', '1');
    const from = await stale.currentRevision();
    await fresh.create('/b', '2');
    await fresh.create('/c', '3');
    await fresh.compact(await fresh.currentRevision());
    const err = await new Promise<Error>((resolve) => {
      stale.watch('/', from, () => resolve(new Error('got events from a compacted revision')), resolve);
    });
    assert.ok(isCompacted(err), String(err));
    assert.equal(await stale.compactRevision(), await fresh.compactRevision());
  });

  it('reading past the newest revision reads the newest, as the other backends do', async () => {
    const s = await open('/future');
    await s.create('/a', '1');
    const cur = await s.currentRevision();
    assert.equal((await s.get('/a', { revision: cur + 1000 }))?.value, '1');
  });

  it("reads a range larger than gRPC's default 4 MiB message (a big list of pods)", async () => {
    const s = await open('/big');
    const value = 'x'.repeat(100 * 1024);
    await Promise.all(Array.from({ length: 60 }, (_, i) => s.create(`/registry/pods/default/p${String(i).padStart(2, '0')}`, value)));
    const all = await s.range('/registry/pods/');
    assert.equal(all.kvs.length, 60);
    assert.equal(all.kvs[59].value.length, value.length);
  });

  it('replays a long history (etcd sends it in batches) exactly once, in order', async () => {
    const s = await open('/replay');
    const from = (await s.currentRevision()) + 1;
    const n = 2500;
    let next = 0;
    const work = async (): Promise<void> => {
      for (let i = next++; i < n; i = next++) await s.create(`/e/${i}`, 'v');
    };
    await Promise.all(Array.from({ length: 16 }, work));
    const revisions: number[] = [];
    const w = s.watch('/e/', from, (evs) => revisions.push(...evs.map((e) => e.revision)));
    for (let i = 0; i < 300 && revisions.length < n; i++) await new Promise((r) => setTimeout(r, 20));
    w.dispose();
    assert.equal(revisions.length, n);
    assert.ok(revisions.every((r, i) => i === 0 || r > revisions[i - 1]), 'strictly increasing revisions');
  });

  it('uses the live member when a listed endpoint is down', async () => {
    const s = await openStore({ kind: 'etcd', endpoints: ['http://127.0.0.1:1', etcd.endpoint], prefix: '/failover' });
    opened.push(s);
    for (let i = 0; i < 10; i++) assert.equal((await s.create(`/k${i}`, 'v')).ok, true);
    assert.equal((await s.range('/')).kvs.length, 10);
  });

  it('refuses bad options with the value in the message', async () => {
    await assert.rejects(openStore({ kind: 'etcd', endpoints: ['127.0.0.1:2379'] }), /Cannot use etcd endpoint "127.0.0.1:2379"/);
    await assert.rejects(openStore({ kind: 'etcd', endpoints: [etcd.endpoint], prefix: 'podnet/' }), /Cannot use etcd key prefix "podnet\/"/);
    await assert.rejects(EtcdStore.open({ endpoints: ['http://127.0.0.1:1'], callTimeoutMs: 500 }), /Cannot reach etcd at http:\/\/127.0.0.1:1/);
  });
});
