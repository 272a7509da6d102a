/**
 * The official JavaScript client, @kubernetes/client-node 1.4.0 (the line that runs on Node 20),
 * against podnet's apiserver over https with the kubeconfig `podnet kubeconfig` prints (CA data
 * and a bearer token): typed CRUD and patch, Status errors, a raw watch, and an informer
 * (makeInformer) whose add/update/delete handlers and cache follow the API.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  type V1ConfigMap,
  type V1Deployment,
  Watch,
  makeInformer,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { startApiServer, type ApiServer } from '../../../src/apiserver/server.js';
import { selfSignedCert } from '../../../src/apiserver/tls.js';
import { type ClusterConfig, kubeconfigText } from '../../../src/cluster/config.js';
import { openStore } from '../../../src/store/index.js';
import type { Store } from '../../../src/store/store.js';
import { eventually } from '../../helpers/eventually.js';

const TOKEN = 'client-node-token';
const cm = (name: string, labels: Record<string, string> = {}): V1ConfigMap => ({ metadata: { name, labels }, data: { k: '1' } });

describe('@kubernetes/client-node against podnet', () => {
  let store: Store;
  let server: ApiServer;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let apps: AppsV1Api;

  before(async () => {
    store = await openStore({ kind: 'memory' });
    const tls = await selfSignedCert();
    server = await startApiServer({ store, port: 0, token: TOKEN, tls });
    kc = new KubeConfig();
    kc.loadFromString(kubeconfigText({ name: 'cn', apiPort: server.port, token: TOKEN } as ClusterConfig, tls.cert));
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
  });
  after(async () => {
    await server?.close();
    await store?.close();
  });

  it('uses the https server, CA and token of podnet kubeconfig', () => {
    assert.equal(kc.getCurrentCluster()?.server, `https://127.0.0.1:${server.port}`);
    assert.ok(kc.getCurrentCluster()?.caData, 'the CA is embedded');
    assert.equal(kc.getCurrentCluster()?.skipTLSVerify, false);
    assert.equal(kc.getCurrentUser()?.token, TOKEN);
  });

  it('lists, creates, reads and patches (JSON patch by default, merge on request)', async () => {
    const names = (await core.listNamespace()).items.map((n) => n.metadata?.name);
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.ok(names.includes(ns), ns);
    const created = await core.createNamespacedConfigMap({ namespace: 'default', body: cm('a', { app: 'x' }) });
    assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.equal((await core.readNamespacedConfigMap({ name: 'a', namespace: 'default' })).data?.k, '1');
    await core.createNamespacedConfigMap({ namespace: 'default', body: cm('b') });
    const selected = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'app=x' });
    assert.deepEqual(selected.items.map((c) => c.metadata?.name), ['a']);
    assert.match(selected.metadata?.resourceVersion ?? '', /^\d+$/);
    const jp = await core.patchNamespacedConfigMap({ name: 'a', namespace: 'default', body: [{ op: 'replace', path: '/data/k', value: '2' }] });
    assert.equal(jp.data?.k, '2');
    const mp = await core.patchNamespacedConfigMap(
      { name: 'a', namespace: 'default', body: { data: { extra: 'y' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.deepEqual(mp.data, { k: '2', extra: 'y' });
  });

  it('API errors arrive as ApiException with the Status body', async () => {
    await assert.rejects(core.readNamespacedConfigMap({ name: 'missing', namespace: 'default' }), (e: unknown) => {
      assert.ok(e instanceof ApiException);
      assert.equal(e.code, 404);
      const status = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
      assert.equal(status.reason, 'NotFound');
      assert.equal(status.message, 'configmaps "missing" not found');
      return true;
    });
    const wrong = new KubeConfig();
    wrong.loadFromString(kubeconfigText({ name: 'cn', apiPort: server.port, token: 'wrong' } as ClusterConfig, Buffer.from(kc.getCurrentCluster()!.caData!, 'base64').toString()));
    await assert.rejects(wrong.makeApiClient(CoreV1Api).listNamespace(), (e: unknown) => e instanceof ApiException && e.code === 401);
  });

  it('watch delivers ADDED, MODIFIED and DELETED from a list resourceVersion', async () => {
    const rv = (await core.listNamespacedConfigMap({ namespace: 'default' })).metadata?.resourceVersion;
    const events: string[] = [];
    let ended: unknown = 'open';
    const ctrl = await new Watch(kc).watch(
      '/api/v1/namespaces/default/configmaps',
      { resourceVersion: rv, allowWatchBookmarks: true },
      (type, obj: V1ConfigMap) => events.push(`${type} ${obj.metadata?.name} ${obj.data?.k ?? ''}`.trim()),
      (err) => (ended = err),
    );
    try {
      await core.createNamespacedConfigMap({ namespace: 'default', body: cm('w') });
      await core.patchNamespacedConfigMap({ name: 'w', namespace: 'default', body: [{ op: 'replace', path: '/data/k', value: '9' }] });
      await core.deleteNamespacedConfigMap({ name: 'w', namespace: 'default' });
      await eventually('three watch events', () => events.length >= 3 && events);
      assert.deepEqual(events, ['ADDED w 1', 'MODIFIED w 9', 'DELETED w 9']);
      assert.equal(ended, 'open', 'the watch is still open');
    } finally {
      ctrl.abort();
    }
  });

  it('an informer lists, then follows adds, updates and deletes; its cache matches the API', async () => {
    const informer = makeInformer(kc, '/apis/apps/v1/namespaces/default/deployments', () => apps.listNamespacedDeployment({ namespace: 'default' }));
    const seen: string[] = [];
    informer.on('add', (d: V1Deployment) => seen.push(`add ${d.metadata?.name} ${d.spec?.replicas}`));
    informer.on('update', (d: V1Deployment) => seen.push(`update ${d.metadata?.name} ${d.spec?.replicas}`));
    informer.on('delete', (d: V1Deployment) => seen.push(`delete ${d.metadata?.name}`));
    const errors: unknown[] = [];
    informer.on('error', (e) => errors.push(e));
    const deployment = (name: string): V1Deployment => ({
      metadata: { name },
      spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('before') });
    await informer.start();
    try {
      await eventually('the initial list', () => seen.includes('add before 1'));
      await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web') });
      await eventually('add web', () => seen.includes('add web 1'));
      await apps.patchNamespacedDeployment(
        { name: 'web', namespace: 'default', body: { spec: { replicas: 3 } } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
      await eventually('update web', () => seen.includes('update web 3'));
      await apps.deleteNamespacedDeployment({ name: 'web', namespace: 'default' });
      await eventually('delete web', () => seen.includes('delete web'));
      assert.deepEqual(seen, ['add before 1', 'add web 1', 'update web 3', 'delete web']);
      assert.deepEqual(informer.list('default').map((d) => d.metadata?.name), ['before']);
      assert.equal(informer.get('before', 'default')?.spec?.replicas, 1);
      assert.deepEqual(errors, []);
    } finally {
      await informer.stop();
    }
  });
});
