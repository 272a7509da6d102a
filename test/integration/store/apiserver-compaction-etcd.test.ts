/**
 * Compaction on etcd through the API: the apiserver's compactor compacts etcd, a continued list
 * from before the compaction and a watch from a compacted resourceVersion (after a restart, when
 * the watch cache starts from the store) both get 410 Gone, as kube-apiserver answers on etcd.
 */
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer } from '../../../src/apiserver/server.js';
import { Compactor } from '../../../src/apiserver/compactor.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { Client, ApiError, type WatchEvent } from '../../../src/client/client.js';
import type { KubeObject, Status } from '../../../src/api/types.js';
import { startEtcd, type EtcdServer } from '../../helpers/etcd.js';

let etcd: EtcdServer;
before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  await etcd?.stop();
});

const openEtcd = (): Promise<Store> => openStore({ kind: 'etcd', endpoints: [etcd.endpoint], prefix: '/podnet/compact' });

async function withApi<T>(fn: (c: Client, store: Store) => Promise<T>): Promise<T> {
  const store = await openEtcd();
  const server = await startApiServer({ store, port: 0, compactIntervalMs: 0 });
  const c = new Client({ server: server.url });
  try {
    return await fn(c, store);
  } finally {
    c.close();
    await server.close();
    await store.close();
  }
}

const cm = (name: string): KubeObject => ({ metadata: { name }, data: { k: name } }) as KubeObject;

it('compaction bounds history on etcd: old continue tokens and old watches get 410 Gone', async () => {
  const before = await withApi(async (c, store) => {
    for (let i = 0; i < 6; i++) await c.create('configmaps', 'default', cm(`c${i}`));
    const page = await c.list('configmaps', 'default', { limit: 2 });
    assert.ok(page.metadata.continue, 'a first page with a continue token');
    const oldRV = page.metadata.resourceVersion!;
    for (let i = 6; i < 9; i++) await c.create('configmaps', 'default', cm(`c${i}`));
    // The compactor as the apiserver runs it, with no minimum retained: the first tick notes the
    // revision, the second compacts to it.
    const compactor = new Compactor(store, 60_000, 0);
    await compactor.tick();
    await c.create('configmaps', 'default', cm('c9'));
    const to = await compactor.tick();
    assert.ok(to > Number(oldRV), `compacted to ${to}, past the list's ${oldRV}`);
    assert.equal(await store.compactRevision(), to);
    const err = await c.list('configmaps', 'default', { limit: 2, continue: page.metadata.continue }).then(
      () => assert.fail('a continue token from before the compaction must expire'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApiError && err.code === 410, String(err));
    return { oldRV, to };
  });
  await withApi(async (c) => {
    // After a restart the watch cache starts at the compact revision: older RVs are gone.
    const events: WatchEvent<KubeObject>[] = [];
    const w = c.watch('configmaps', 'default', { resourceVersion: before.oldRV }, (ev) => events.push(ev));
    const outcome = await w.done.then(() => events[0], (e: unknown) => e);
    const gone =
      outcome instanceof ApiError ? outcome.code === 410 : (outcome as WatchEvent<Status> | undefined)?.object?.code === 410;
    assert.ok(gone, `a watch from ${before.oldRV} must get 410 Gone, got ${JSON.stringify(outcome)}`);
    // From the compact revision on, the watch replays what followed.
    const fresh: WatchEvent<KubeObject>[] = [];
    const w2 = c.watch('configmaps', 'default', { resourceVersion: String(before.to) }, (ev) => fresh.push(ev));
    for (let i = 0; i < 100 && !fresh.length; i++) await new Promise((r) => setTimeout(r, 20));
    w2.stop();
    assert.deepEqual(fresh.map((e) => [e.type, e.object.metadata?.name]), [['ADDED', 'c9']]);
    assert.equal((await c.list('configmaps', 'default')).items.length, 10, 'compaction keeps every live object');
  });
});
