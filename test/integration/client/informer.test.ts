/** The shared client and informer against the real apiserver: CRUD, errors, and a watch-fed cache. */
import { eventually } from '../../helpers/eventually.js';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer, type ApiServer } from '../../../src/apiserver/server.js';
import { openStore } from '../../../src/store/index.js';
import { Client, isAlreadyExists, isConflict, isNotFound } from '../../../src/client/client.js';
import { Informer } from '../../../src/client/informer.js';
import type { ConfigMap } from '../../../src/api/types.js';


describe('client and informer', () => {
  let server: ApiServer;
  let client: Client;

  before(async () => {
    server = await startApiServer({ store: await openStore({ kind: 'memory' }), port: 0, token: 'tok' });
    client = new Client({ server: server.url, token: 'tok' });
  });
  after(async () => {
    client.close();
    await server.close();
  });

  it('maps API errors to ApiError predicates', async () => {
    const cm: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default' }, data: { k: '1' } };
    const created = await client.create('configmaps', 'default', cm);
    await assert.rejects(client.create('configmaps', 'default', cm), isAlreadyExists);
    await assert.rejects(client.get('configmaps', 'default', 'nope'), isNotFound);
    await client.update('configmaps', { ...created, data: { k: '2' } });
    await assert.rejects(client.update('configmaps', { ...created, data: { k: '3' } }), isConflict, 'stale resourceVersion');
    const bad = new Client({ server: server.url, token: 'wrong' });
    await assert.rejects(bad.list('configmaps'), (e: Error & { code?: number }) => e.code === 401);
    bad.close();
  });

  it('keeps a cache in step with adds, updates and deletes, honouring a label selector', async () => {
    const seen: string[] = [];
    const inf = new Informer<ConfigMap>(client, 'configmaps', { namespace: 'default', labelSelector: 'team=net' });
    inf.on({
      add: (o) => seen.push(`add ${o.metadata?.name}`),
      update: (_, o) => seen.push(`update ${o.metadata?.name} ${o.data?.k}`),
      delete: (o) => seen.push(`delete ${o.metadata?.name}`),
    });
    await inf.start();
    assert.equal(inf.hasSynced(), true);
    const mk = (name: string, team: string): ConfigMap => ({
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels: { team } }, data: { k: '1' },
    });
    await client.create('configmaps', 'default', mk('b', 'net'));
    await client.create('configmaps', 'default', mk('c', 'web'));
    await client.patch('configmaps', 'default', 'b', { data: { k: '2' } });
    await client.delete('configmaps', 'default', 'b');
    await eventually('three events', () => seen.length >= 3);
    inf.stop();
    assert.deepEqual(seen, ['add b', 'update b 2', 'delete b']);
    assert.equal(inf.get('default/b'), undefined);
  });
});
