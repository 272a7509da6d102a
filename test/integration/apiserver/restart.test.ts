/**
 * State survives a restart on the SQLite store (etcd with PODNET_TEST_STORE=etcd): objects,
 * their resourceVersions and ClusterIP allocations come back, revisions keep increasing, watches from an old resourceVersion resume.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer } from '../../../src/apiserver/server.js';
import { openTestStore } from '../../helpers/etcd-test-store.js';
import { Client, ApiError, type WatchEvent } from '../../../src/client/client.js';
import type { KubeObject, Service } from '../../../src/api/types.js';

async function run<T>(path: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const store = await openTestStore({ path });
  const server = await startApiServer({ store, port: 0 });
  const c = new Client({ server: server.url });
  try {
    return await fn(c);
  } finally {
    c.close();
    await server.close();
    await store.close();
  }
}

it('objects, resourceVersions and ClusterIPs survive a restart; revisions keep increasing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'podnet-restart-'));
  const path = join(dir, 'store', 'state.db');
  try {
    const first = await run(path, async (c) => {
      const cm = await c.create('configmaps', 'default', { metadata: { name: 'keep' }, data: { a: '1' } } as KubeObject);
      const svc = await c.create<Service>('services', 'default', { metadata: { name: 'svc' }, spec: { ports: [{ port: 80 }] } });
      const list = await c.list('configmaps', 'default');
      return { cm, svc, listRV: list.metadata.resourceVersion! };
    });
    await run(path, async (c) => {
      const cm = await c.get('configmaps', 'default', 'keep');
      assert.equal(cm.metadata?.resourceVersion, first.cm.metadata?.resourceVersion);
      assert.equal(cm.metadata?.uid, first.cm.metadata?.uid);
      assert.deepEqual((cm as { data?: unknown }).data, { a: '1' });
      const ns = await c.list('namespaces');
      assert.equal(ns.items.length, 4, 'bootstrap namespaces are not duplicated');
      // The allocator was rebuilt: the old IP is taken.
      try {
        await c.create('services', 'default', { metadata: { name: 'svc2' }, spec: { clusterIP: first.svc.spec!.clusterIP, ports: [{ port: 80 }] } } as KubeObject);
        assert.fail('the ClusterIP should still be allocated');
      } catch (e) {
        assert.ok(e instanceof ApiError && e.code === 422, String(e));
      }
      // A watch from the pre-restart resourceVersion resumes with what followed.
      const events: WatchEvent<KubeObject>[] = [];
      const w = c.watch('configmaps', 'default', { resourceVersion: first.listRV }, (ev) => events.push(ev));
      const updated = await c.patch('configmaps', 'default', 'keep', { data: { a: '2' } });
      assert.ok(Number(updated.metadata!.resourceVersion) > Number(first.listRV));
      for (let i = 0; i < 100 && events.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
      w.stop();
      assert.deepEqual(events.map((e) => [e.type, e.object.metadata?.name]), [['MODIFIED', 'keep']]);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
