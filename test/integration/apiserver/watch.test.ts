/**
 * Watch semantics over real HTTP: resourceVersion rules, selectors turning events into
 * ADDED/DELETED, bookmarks, 410 for a too-old resourceVersion, Tables in watches, graceful
 * deletion as seen by a watcher, and @kubernetes/client-node's informer.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startApiServer, type ApiServer } from '../../../src/apiserver/server.js';
import { openTestStore } from '../../helpers/etcd-test-store.js';
import type { Store } from '../../../src/store/store.js';
import { Client, type WatchEvent, type WatchOptions } from '../../../src/client/client.js';
import type { KubeObject, Pod } from '../../../src/api/types.js';

let store: Store;
let server: ApiServer;
let c: Client;

before(async () => {
  store = await openTestStore();
  server = await startApiServer({ store, port: 0, bookmarkIntervalMs: 100, watchCacheSize: 50 });
  c = new Client({ server: server.url });
});
after(async () => {
  c.close();
  await server.close();
  await store.close();
});

const pod = (name: string, labels: Record<string, string> = { app: 'w' }, nodeName?: string): Pod => ({
  metadata: { name, labels },
  spec: { containers: [{ name: 'c', image: 'i' }], nodeName },
});

/** Starts a watch and collects events; `until` resolves when `n` events match. */
function watchPods(ns: string, opts: WatchOptions) {
  const events: WatchEvent<KubeObject>[] = [];
  const w = c.watch<KubeObject>('pods', ns, opts, (ev) => events.push(ev));
  return {
    events,
    stop: () => w.stop(),
    done: w.done,
    async until(pred: (evs: WatchEvent<KubeObject>[]) => boolean, ms = 5000): Promise<WatchEvent<KubeObject>[]> {
      const deadline = Date.now() + ms;
      while (!pred(events)) {
        if (Date.now() > deadline) throw new Error(`timed out; events: ${JSON.stringify(events.map((e) => [e.type, e.object.metadata?.name]))}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return events;
    },
  };
}

const summary = (evs: WatchEvent<KubeObject>[]): [string, string | undefined][] =>
  evs.filter((e) => e.type !== 'BOOKMARK').map((e) => [e.type, e.object.metadata?.name]);

async function makeNs(name: string): Promise<void> {
  await c.create('namespaces', undefined, { metadata: { name } });
}

describe('watch', () => {
  it('without resourceVersion: synthetic ADDED for existing objects, then changes', async () => {
    await makeNs('w1');
    await c.create('pods', 'w1', pod('a'));
    const w = watchPods('w1', {});
    try {
      await w.until((e) => e.length >= 1);
      await c.patch('pods', 'w1', 'a', { metadata: { labels: { x: '1' } } });
      await c.create('pods', 'w1', pod('b'));
      await c.delete('pods', 'w1', 'b');
      const evs = await w.until((e) => e.length >= 4);
      assert.deepEqual(summary(evs), [['ADDED', 'a'], ['MODIFIED', 'a'], ['ADDED', 'b'], ['DELETED', 'b']]);
      const del = evs[3].object;
      assert.ok(Number(del.metadata!.resourceVersion) > Number(evs[2].object.metadata!.resourceVersion));
    } finally {
      w.stop();
    }
  });

  it('from resourceVersion N: only what changed after N, no synthetic ADDED', async () => {
    await makeNs('w2');
    await c.create('pods', 'w2', pod('a'));
    const list = await c.list('pods', 'w2');
    await c.create('pods', 'w2', pod('b'));
    const w = watchPods('w2', { resourceVersion: list.metadata.resourceVersion });
    try {
      await c.create('pods', 'w2', pod('c'));
      assert.deepEqual(summary(await w.until((e) => e.length >= 2)), [['ADDED', 'b'], ['ADDED', 'c']]);
    } finally {
      w.stop();
    }
  });

  it('selectors: an object that stops matching is DELETED, one that starts matching is ADDED', async () => {
    await makeNs('w3');
    await c.create('pods', 'w3', pod('a', { app: 'yes' }));
    const w = watchPods('w3', { labelSelector: 'app=yes', fieldSelector: 'metadata.name=a' });
    try {
      await w.until((e) => e.length >= 1);
      await c.create('pods', 'w3', pod('other', { app: 'yes' }));
      await c.patch('pods', 'w3', 'a', { metadata: { labels: { app: 'no' } } });
      await c.patch('pods', 'w3', 'a', { metadata: { labels: { app: 'yes' } } });
      assert.deepEqual(summary(await w.until((e) => e.length >= 3)), [['ADDED', 'a'], ['DELETED', 'a'], ['ADDED', 'a']]);
    } finally {
      w.stop();
    }
  });

  it('sends bookmarks when allowed, and the initial-events-end bookmark for sendInitialEvents', async () => {
    await makeNs('w4');
    await c.create('pods', 'w4', pod('a'));
    const w = watchPods('w4', { allowWatchBookmarks: true, sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' } as WatchOptions);
    try {
      const evs = await w.until((e) => e.filter((x) => x.type === 'BOOKMARK').length >= 2);
      assert.equal(evs[0].type, 'ADDED');
      assert.equal(evs[1].type, 'BOOKMARK');
      assert.equal(evs[1].object.metadata?.annotations?.['k8s.io/initial-events-end'], 'true');
      assert.equal(evs[1].object.kind, 'Pod');
      assert.match(evs[2].object.metadata!.resourceVersion!, /^\d+$/);
    } finally {
      w.stop();
    }
  });

  it('a resourceVersion older than the watch cache window gets an ERROR 410 Expired event', async () => {
    await makeNs('w5');
    const first = await c.create<Pod>('pods', 'w5', pod('old'));
    for (let i = 0; i < 60; i++) await c.patch('pods', 'w5', 'old', { metadata: { labels: { i: String(i) } } });
    const w = watchPods('w5', { resourceVersion: first.metadata!.resourceVersion });
    await w.done;
    assert.equal(w.events.length, 1);
    assert.equal(w.events[0].type, 'ERROR');
    const st = w.events[0].object as unknown as { code: number; reason: string; message: string };
    assert.equal(st.code, 410);
    assert.equal(st.reason, 'Expired');
    assert.match(st.message, /^too old resource version: \d+ \(\d+\)$/);
  });

  it('a graceful pod deletion is MODIFIED (deletionTimestamp) then DELETED', async () => {
    await makeNs('w6');
    await c.create('pods', 'w6', pod('g', { app: 'w' }, 'node1'));
    const w = watchPods('w6', { fieldSelector: 'metadata.name=g' });
    try {
      await w.until((e) => e.length >= 1);
      await c.delete('pods', 'w6', 'g');
      await w.until((e) => e.length >= 2);
      assert.ok(w.events[1].object.metadata?.deletionTimestamp);
      await c.delete('pods', 'w6', 'g', { gracePeriodSeconds: 0 });
      assert.deepEqual(summary(await w.until((e) => e.length >= 3)), [['ADDED', 'g'], ['MODIFIED', 'g'], ['DELETED', 'g']]);
    } finally {
      w.stop();
    }
  });

  it('Table watches: the first event carries the column definitions', async () => {
    await makeNs('w7');
    await c.create('pods', 'w7', pod('a'));
    const ctl = new AbortController();
    const res = await fetch(`${server.url}/api/v1/namespaces/w7/pods?watch=true`, {
      headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' },
      signal: ctl.signal,
    });
    const reader = res.body!.getReader();
    let text = '';
    await c.create('pods', 'w7', pod('b'));
    while (text.split('\n').length < 3) text += new TextDecoder().decode((await reader.read()).value);
    ctl.abort();
    const [e1, e2] = text.split('\n').map((l) => (l ? JSON.parse(l) : undefined));
    assert.equal(e1.object.kind, 'Table');
    assert.equal(e1.object.columnDefinitions[0].name, 'Name');
    assert.equal(e1.object.rows[0].cells[0], 'a');
    assert.equal(e2.object.columnDefinitions.length, 0);
    assert.equal(e2.object.rows[0].cells[2], 'Pending');
  });

  it('one change reaches many watchers', async () => {
    await makeNs('w8');
    const ws = Array.from({ length: 40 }, () => watchPods('w8', { resourceVersion: '0' }));
    try {
      await new Promise((r) => setTimeout(r, 200));
      await c.create('pods', 'w8', pod('fan'));
      await Promise.all(ws.map((w) => w.until((e) => e.length >= 1)));
      for (const w of ws) assert.deepEqual(summary(w.events), [['ADDED', 'fan']]);
    } finally {
      for (const w of ws) w.stop();
    }
  });

  it('@kubernetes/client-node informers list, watch and see adds', async () => {
    await makeNs('w9');
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'p', server: server.url, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'p', cluster: 'p', user: 'u' }],
      currentContext: 'p',
    });
    const api = kc.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/w9/pods', () => api.listNamespacedPod({ namespace: 'w9' }));
    const added: string[] = [];
    informer.on('add', (p: k8s.V1Pod) => added.push(p.metadata!.name!));
    await informer.start();
    try {
      await api.createNamespacedPod({ namespace: 'w9', body: { metadata: { name: 'cn' }, spec: { containers: [{ name: 'c', image: 'i' }] } } });
      for (let i = 0; i < 100 && !added.includes('cn'); i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(added, ['cn']);
    } finally {
      await informer.stop();
    }
  });
});
