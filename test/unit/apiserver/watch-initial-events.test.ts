/**
 * A watch without a resourceVersion starts with a synthetic ADDED per object, written in slices
 * (several thousand objects), then streams what follows: nothing lost or repeated between the two.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { resourceByPlural, storeKey } from '../../../src/api/resources.js';
import { encodeForStore } from '../../../src/apiserver/codec.js';
import { type ApiServer, startApiServer } from '../../../src/apiserver/server.js';
import { openStore } from '../../../src/store/index.js';
import type { Store } from '../../../src/store/store.js';

const PODS = resourceByPlural('pods', '')!;
const N = 1800;
const pod = (i: number) => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: `p${String(i).padStart(5, '0')}`, namespace: 'default', labels: { half: String(i < N / 2) } },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});

describe('watch initial events', () => {
  let store: Store;
  let api: ApiServer;

  before(async () => {
    store = await openStore({ kind: 'memory' });
    for (let i = 0; i < N; i++) await store.create(storeKey(PODS, 'default', pod(i).metadata.name), encodeForStore(pod(i) as never));
    api = await startApiServer({ store, port: 0, compactIntervalMs: 0, eventTTLSeconds: 0 });
  });
  after(async () => {
    await api.close();
    await store.close();
  });

  /** Reads events until `until` says stop; returns them. */
  const watch = (query: string, until: (evs: { type: string; object: { metadata: { name: string; resourceVersion: string } } }[]) => boolean, onStart?: () => void) =>
    new Promise<{ type: string; object: { metadata: { name: string; resourceVersion: string } } }[]>((resolve, reject) => {
      const req = get(`${api.url}/api/v1/namespaces/default/pods?watch=true${query}`, (res) => {
        const evs: { type: string; object: { metadata: { name: string; resourceVersion: string } } }[] = [];
        let buf = '';
        onStart?.();
        res.on('data', (c: Buffer) => {
          buf += c.toString();
          let nl;
          while ((nl = buf.indexOf('\n')) >= 0) {
            evs.push(JSON.parse(buf.slice(0, nl)));
            buf = buf.slice(nl + 1);
          }
          if (until(evs)) {
            req.destroy();
            resolve(evs);
          }
        });
      });
      req.on('error', (e) => (e.message.includes('aborted') || e.message.includes('socket hang up') ? undefined : reject(e)));
    });

  it('sends every object once as ADDED, then a write made meanwhile as MODIFIED', async () => {
    const write = async () => {
      const kv = (await store.get(storeKey(PODS, 'default', 'p00007')))!;
      const obj = JSON.parse(kv.value);
      obj.metadata.labels.touched = 'yes';
      await store.update(kv.key, JSON.stringify(obj), kv.modRevision);
    };
    const evs = await watch('', (e) => e.some((x) => x.type === 'MODIFIED'), () => void write());
    const added = evs.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata.name);
    assert.equal(added.length, N);
    assert.equal(new Set(added).size, N);
    const modified = evs.filter((e) => e.type === 'MODIFIED');
    assert.deepEqual(modified.map((e) => e.object.metadata.name), ['p00007']);
    const maxAdded = Math.max(...evs.filter((e) => e.type === 'ADDED').map((e) => Number(e.object.metadata.resourceVersion)));
    assert.ok(Number(modified[0].object.metadata.resourceVersion) > maxAdded);
  });

  it('applies the selector to the initial events', async () => {
    const evs = await watch('&labelSelector=half%3Dtrue', (e) => e.length >= N / 2);
    assert.ok(evs.every((e) => e.type === 'ADDED' && e.object.metadata.name < `p${String(N / 2).padStart(5, '0')}`));
  });
});
