/**
 * Lists written a slice at a time: the no-decode encoding equals decode + stringify, pages and
 * selectors as before, Tables with one row per object, and other work runs while a large list
 * is being written (a real HTTP server on loopback, the in-memory store).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, get, type Server } from 'node:http';
import { resourceByPlural, storeKey } from '../../../src/api/resources.js';
import { decodeFromStore, encodeForStore, encodeStoredItem } from '../../../src/apiserver/codec.js';
import { serveList, type ListRequest } from '../../../src/apiserver/list-stream.js';
import { openStore } from '../../../src/store/index.js';
import type { Store } from '../../../src/store/store.js';

const PODS = resourceByPlural('pods', '')!;
const pod = (ns: string, i: number) => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: `p${String(i).padStart(5, '0')}`, namespace: ns, labels: { even: String(i % 2 === 0) } },
  spec: { containers: [{ name: 'c', image: 'busybox' }], nodeName: 'node1' },
  status: { phase: 'Running', podIP: `10.244.0.${i % 250}` },
});

describe('encodeStoredItem', () => {
  const kv = (value: string) => ({ key: 'k', value, createRevision: 3, modRevision: 7, version: 1 });
  const cases: [string, string][] = [
    ['stored by encodeForStore', encodeForStore(pod('a', 1) as never)],
    ['empty metadata', encodeForStore({ apiVersion: 'v1', kind: 'Pod', metadata: {} } as never)],
    ['older layout, metadata last (slow path)', JSON.stringify({ spec: { template: { metadata: { name: 'x' } } }, kind: 'Pod', metadata: { name: 'y' } })],
    ['no apiVersion (slow path)', JSON.stringify({ kind: 'Pod', metadata: { name: 'y' } })],
  ];
  for (const [name, value] of cases) {
    it(`equals decode + stringify: ${name}`, () => {
      assert.deepEqual(JSON.parse(encodeStoredItem(kv(value))), decodeFromStore(kv(value)));
      assert.deepEqual(JSON.parse(encodeStoredItem(kv(value), 42)).metadata.resourceVersion, '42');
    });
  }
  it('keeps apiVersion, kind and metadata first, as upstream orders them', () => {
    const text = encodeForStore({ spec: {}, metadata: { name: 'n', resourceVersion: '5' }, kind: 'Pod', apiVersion: 'v1' } as never);
    assert.equal(text, '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"n"},"spec":{}}');
  });
});

describe('serveList', () => {
  let store: Store;
  let server: Server;
  let request: Omit<ListRequest, 'info' | 'continueToken'> = {};
  let port = 0;
  const N = 1234;

  /** Event-loop turns while the last serveList ran: 0 if it held the loop from start to end. */
  let ticks = 0;
  const fetchList = (): Promise<{ body: Record<string, unknown> }> =>
    new Promise((resolve, reject) => {
      get({ port, path: '/' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      }).on('error', reject);
    });

  before(async () => {
    store = await openStore({ kind: 'memory' });
    for (let i = 0; i < N; i++) await store.create(storeKey(PODS, 'a', pod('a', i).metadata.name), encodeForStore(pod('a', i) as never));
    await store.create(storeKey(PODS, 'b', 'other'), encodeForStore(pod('b', 0) as never));
    server = createServer((_, res) => {
      let serving = true;
      ticks = 0;
      const tick = (): void => {
        if (!serving) return;
        ticks++;
        setImmediate(tick);
      };
      setImmediate(tick);
      serveList(store, res, { info: PODS, continueToken: (rv, key) => `${rv}/${key}`, ...request })
        .catch((e) => res.destroy(e))
        .finally(() => (serving = false));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await store.close();
  });

  it('lists every object, in key order, with resourceVersions, while other work runs', async () => {
    request = {};
    const { body } = await fetchList();
    const items = body.items as { metadata: { name: string; namespace: string; resourceVersion: string } }[];
    assert.equal(body.kind, 'PodList');
    assert.equal(items.length, N + 1);
    assert.deepEqual([items[0].metadata.name, items[N - 1].metadata.name, items[N].metadata.namespace], ['p00000', `p0${N - 1}`, 'b']);
    assert.equal(items[0].metadata.resourceVersion, '1');
    assert.equal((body.metadata as { resourceVersion: string }).resourceVersion, String(N + 1));
    assert.ok(ticks >= 3, `the event loop turned only ${ticks} times during the list`);
  });

  it('pages with limit and a continue token at the first page revision', async () => {
    request = { namespace: 'a', limit: 600 };
    const first = (await fetchList()).body;
    assert.equal((first.items as unknown[]).length, 600);
    assert.equal((first.metadata as { continue: string }).continue, `${N + 1}/${storeKey(PODS, 'a', 'p00599')}\u0000`);
    request = { namespace: 'a', limit: 1000, startKey: `${storeKey(PODS, 'a', 'p00599')}\u0000`, revision: N + 1 };
    const second = (await fetchList()).body;
    assert.equal((second.items as unknown[]).length, N - 600);
    assert.equal((second.metadata as { continue?: string }).continue, undefined);
  });

  it('filters by selector and answers Tables with a row per object', async () => {
    request = { namespace: 'a', matches: (o) => o.metadata?.labels?.even === 'true', table: 'Metadata' };
    const { body } = await fetchList();
    const rows = body.rows as { cells: unknown[]; object: { kind: string; metadata: { name: string } } }[];
    assert.equal(body.kind, 'Table');
    assert.equal(rows.length, Math.ceil(N / 2));
    assert.deepEqual(rows[1].cells.slice(0, 3), ['p00002', '0/1', 'Running']);
    assert.equal(rows[1].object.kind, 'PartialObjectMetadata');
    assert.equal((body.columnDefinitions as { name: string }[])[0].name, 'Name');
  });

  it('answers an empty list as valid JSON', async () => {
    request = { namespace: 'none' };
    assert.deepEqual((await fetchList()).body.items, []);
  });
});
