/**
 * The garbage collector controller against the real apiserver (in process, memory store): the
 * apiserver leaves only the `orphan` / `foregroundDeletion` finalizers, the controller deletes
 * dependents, releases orphans and lets foreground owners go. Any resource kind can own or be
 * owned (these tests use ConfigMaps, Secrets and Pods).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, Pod } from '../../../src/api/types.js';
import type { Client } from '../../../src/client/client.js';
import { GarbageCollector } from '../../../src/controllers/garbage-collector.js';
import { eventually, startTestApi, type TestApi } from '../../helpers/controllers-apiserver.js';

let api: TestApi;
let c: Client;
let gc: GarbageCollector;

before(async () => {
  api = await startTestApi('gc-test');
  c = api.client;
  gc = new GarbageCollector(c, { events: false });
  await gc.start();
});

after(async () => {
  gc?.stop();
  await api?.close();
});

type Ref = { apiVersion?: string; kind?: string; metadata?: { name?: string; uid?: string } };

const owned = (name: string, owners: Ref[], block = false): KubeObject =>
  ({
    metadata: {
      name,
      ownerReferences: owners.map((o) => ({
        apiVersion: o.apiVersion ?? 'v1',
        kind: o.kind ?? 'ConfigMap',
        name: o.metadata!.name!,
        uid: o.metadata!.uid!,
        ...(block ? { blockOwnerDeletion: true } : {}),
      })),
    },
  }) as KubeObject;

const pod = (name: string, owners: Ref[]): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: owned(name, owners).metadata,
  spec: { containers: [{ name: 'c', image: 'podnet/echo' }] },
});

const gone = (res: string, name: string, ns: string | undefined = 'default') =>
  eventually(`${res}/${name} gone`, async () => c.get(res, ns, name).then(() => false, () => true));

describe('garbage collector', () => {
  it('kubectl-style Background delete: the owner goes at once, dependents transitively after', async () => {
    const owner = await c.create('configmaps', 'default', { metadata: { name: 'gc-owner' } });
    const mid = await c.create('secrets', 'default', { ...owned('gc-mid', [owner]) });
    await c.create('pods', 'default', pod('gc-leaf', [{ ...mid, apiVersion: 'v1', kind: 'Secret' }]));
    await c.delete('configmaps', 'default', 'gc-owner', { propagationPolicy: 'Background' });
    await assert.rejects(c.get('configmaps', 'default', 'gc-owner'), /not found/);
    await gone('secrets', 'gc-mid');
    await gone('pods', 'gc-leaf');
  });

  it('a dependent with another live owner only loses the dangling reference', async () => {
    const a = await c.create('configmaps', 'default', { metadata: { name: 'gc-a' } });
    const b = await c.create('configmaps', 'default', { metadata: { name: 'gc-b' } });
    await c.create('configmaps', 'default', owned('gc-two', [a, b]));
    await c.delete('configmaps', 'default', 'gc-a');
    const refs = await eventually('one reference left', async () => {
      const r = (await c.get('configmaps', 'default', 'gc-two')).metadata?.ownerReferences ?? [];
      return r.length === 1 && r;
    });
    assert.deepEqual(refs.map((r) => r.name), ['gc-b']);
  });

  it('propagationPolicy=Foreground keeps the owner until its blocking dependents are gone', async () => {
    const owner = await c.create('configmaps', 'default', { metadata: { name: 'fg-owner' } });
    await c.create('configmaps', 'default', owned('fg-a', [owner], true));
    const held = owned('fg-b', [owner], true);
    await c.create('configmaps', 'default', { ...held, metadata: { ...held.metadata, finalizers: ['example.com/hold'] } });
    const r = await c.raw('DELETE', '/api/v1/namespaces/default/configmaps/fg-owner', JSON.stringify({ propagationPolicy: 'Foreground' }));
    assert.equal(r.status, 202);
    await gone('configmaps', 'fg-a');
    const waiting = await c.get('configmaps', 'default', 'fg-owner');
    assert.deepEqual(waiting.metadata?.finalizers, ['foregroundDeletion']);
    assert.ok(waiting.metadata?.deletionTimestamp);
    assert.ok((await c.get('configmaps', 'default', 'fg-b')).metadata?.deletionTimestamp, 'the held dependent is being deleted');
    await c.patch('configmaps', 'default', 'fg-b', { metadata: { finalizers: null } });
    await gone('configmaps', 'fg-b');
    await gone('configmaps', 'fg-owner');
  });

  it('Foreground is transitive: the grandchild goes before the child, the child before the owner', async () => {
    const owner = await c.create('configmaps', 'default', { metadata: { name: 'fgt-owner' } });
    const child = await c.create('configmaps', 'default', owned('fgt-child', [owner], true));
    const leaf = owned('fgt-leaf', [child], true);
    await c.create('configmaps', 'default', { ...leaf, metadata: { ...leaf.metadata, finalizers: ['example.com/hold'] } });
    await c.delete('configmaps', 'default', 'fgt-owner', { propagationPolicy: 'Foreground' });
    const childWaiting = await eventually('child waits in the foreground', async () => {
      const x = await c.get('configmaps', 'default', 'fgt-child');
      return x.metadata?.deletionTimestamp ? x : undefined;
    });
    assert.deepEqual(childWaiting.metadata?.finalizers, ['foregroundDeletion']);
    await new Promise((res) => setTimeout(res, 200));
    assert.ok(await c.get('configmaps', 'default', 'fgt-owner'), 'the owner waits for the child');
    await c.patch('configmaps', 'default', 'fgt-leaf', { metadata: { finalizers: null } });
    await gone('configmaps', 'fgt-leaf');
    await gone('configmaps', 'fgt-child');
    await gone('configmaps', 'fgt-owner');
  });

  it('propagationPolicy=Orphan: the apiserver adds the orphan finalizer, the collector releases dependents', async () => {
    const owner = await c.create('configmaps', 'default', { metadata: { name: 'gc-orph' } });
    await c.create('configmaps', 'default', owned('gc-kept', [owner], true));
    const marked = await c.delete('configmaps', 'default', 'gc-orph', { propagationPolicy: 'Orphan' });
    assert.deepEqual(marked.metadata?.finalizers, ['orphan']);
    await gone('configmaps', 'gc-orph');
    const kept = await c.get('configmaps', 'default', 'gc-kept');
    assert.equal(kept.metadata?.ownerReferences, undefined);
    assert.equal(kept.metadata?.deletionTimestamp, undefined);
  });

  it('an orphan finalizer set at creation is honoured by a delete without a policy', async () => {
    const owner = await c.create('configmaps', 'default', { metadata: { name: 'gc-fin', finalizers: ['orphan'] } });
    await c.create('configmaps', 'default', owned('gc-fin-dep', [owner]));
    await c.raw('DELETE', '/api/v1/namespaces/default/configmaps/gc-fin');
    await gone('configmaps', 'gc-fin');
    assert.equal((await c.get('configmaps', 'default', 'gc-fin-dep')).metadata?.ownerReferences, undefined);
  });

  it('a cluster-scoped owner collects namespaced dependents', async () => {
    const node = await c.create('nodes', undefined, { metadata: { name: 'gc-node' } });
    await c.create('configmaps', 'default', owned('gc-of-node', [{ ...node, apiVersion: 'v1', kind: 'Node' }]));
    await c.delete('nodes', undefined, 'gc-node');
    await gone('configmaps', 'gc-of-node');
  });

  it('a dependent whose owner never existed is collected; one of an unserved kind is kept', async () => {
    const ghost = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nobody', uid: '00000000-0000-4000-8000-000000000000' } };
    await c.create('configmaps', 'default', owned('gc-ghost', [ghost]));
    const alien = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', uid: '00000000-0000-4000-8000-000000000001' } };
    await c.create('configmaps', 'default', owned('gc-alien', [alien]));
    await gone('configmaps', 'gc-ghost');
    await new Promise((res) => setTimeout(res, 300));
    assert.ok(await c.get('configmaps', 'default', 'gc-alien'));
  });

  it('a fresh owner created just before its dependent is never mistaken for a gone one', async () => {
    for (let i = 0; i < 10; i++) {
      const owner = await c.create('configmaps', 'default', { metadata: { name: `race-${i}` } });
      await c.create('configmaps', 'default', owned(`race-${i}-dep`, [owner]));
    }
    await new Promise((res) => setTimeout(res, 500));
    const left = (await c.list('configmaps', 'default')).items.filter((x) => x.metadata?.name?.startsWith('race-'));
    assert.equal(left.length, 20);
  });

  it('rejects an unknown propagationPolicy naming the field', async () => {
    await c.create('configmaps', 'default', { metadata: { name: 'gc-bad' } });
    const r = await c.raw('DELETE', '/api/v1/namespaces/default/configmaps/gc-bad', JSON.stringify({ propagationPolicy: 'Sideways' }));
    assert.equal(r.status, 400);
    assert.match(JSON.parse(r.body).message, /^propagationPolicy: Unsupported value: "Sideways"/);
  });
});
