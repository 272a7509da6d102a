/**
 * REST semantics of the apiserver over real HTTP, driven by podnet's client: auth, discovery,
 * OpenAPI, create/update/patch/delete rules, status and scale subresources, ClusterIPs,
 * namespace termination and Status error shapes.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApiServer, type ApiServer } from '../../../src/apiserver/server.js';
import { openTestStore } from '../../helpers/etcd-test-store.js';
import type { Store } from '../../../src/store/store.js';
import { Client, ApiError, type ObjectList } from '../../../src/client/client.js';
import type { KubeObject, Pod, Service } from '../../../src/api/types.js';

const TOKEN = 'rest-token';
let store: Store;
let server: ApiServer;
let c: Client;

before(async () => {
  store = await openTestStore();
  server = await startApiServer({ store, port: 0, token: TOKEN });
  c = new Client({ server: server.url, token: TOKEN });
});
after(async () => {
  c.close();
  await server.close();
  await store.close();
});

const podObj = (name: string, extra: Partial<Pod['spec']> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'x' } },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...extra },
});

async function apiError(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  assert.fail('expected an ApiError');
}

describe('auth, health, version, discovery, openapi', () => {
  it('401 Status without or with a wrong token; health and version are open', async () => {
    const anon = new Client({ server: server.url });
    const bad = new Client({ server: server.url, token: 'nope' });
    try {
      for (const cl of [anon, bad]) {
        const r = await cl.raw('GET', '/api/v1/pods');
        assert.equal(r.status, 401);
        assert.deepEqual(JSON.parse(r.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
      }
      for (const p of ['/healthz', '/livez', '/readyz']) assert.equal((await anon.raw('GET', p)).body, 'ok');
      assert.equal(JSON.parse((await anon.raw('GET', '/version')).body).major, '1');
    } finally {
      anon.close();
      bad.close();
    }
  });

  it('legacy discovery lists resources with short names, categories and the Scale subresource', async () => {
    const core = await c.request<{ resources: { name: string; shortNames?: string[]; categories?: string[]; verbs: string[] }[] }>('GET', '/api/v1');
    const pods = core.resources.find((r) => r.name === 'pods')!;
    assert.deepEqual(pods.shortNames, ['po']);
    assert.deepEqual(pods.categories, ['all']);
    assert.ok(pods.verbs.includes('watch'));
    assert.ok(core.resources.some((r) => r.name === 'pods/status'));
    const apps = await c.request<{ resources: Record<string, unknown>[] }>('GET', '/apis/apps/v1');
    const scale = apps.resources.find((r) => r.name === 'deployments/scale')!;
    assert.deepEqual([scale.group, scale.version, scale.kind], ['autoscaling', 'v1', 'Scale']);
    const groups = await c.request<{ groups: { name: string }[] }>('GET', '/apis');
    assert.ok(groups.groups.some((g) => g.name === 'discovery.k8s.io'));
  });

  it('aggregated discovery v2 / v2beta1 by Accept, legacy otherwise', async () => {
    const get = async (path: string, accept: string) => {
      const res = await fetch(`${server.url}${path}`, { headers: { Accept: accept, Authorization: `Bearer ${TOKEN}` } });
      return { type: res.headers.get('content-type'), body: (await res.json()) as { kind: string; apiVersion: string; items: { metadata: { name: string }; versions: { resources: Record<string, unknown>[] }[] }[] } };
    };
    const v2 = await get('/apis', 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json');
    assert.equal(v2.type, 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    assert.equal(v2.body.apiVersion, 'apidiscovery.k8s.io/v2');
    const apps = v2.body.items.find((i) => i.metadata.name === 'apps')!;
    const deploy = apps.versions[0].resources.find((r) => r.resource === 'deployments')!;
    assert.deepEqual(deploy.responseKind, { group: 'apps', version: 'v1', kind: 'Deployment' });
    assert.deepEqual((deploy.subresources as Record<string, unknown>[]).find((x) => x.subresource === 'scale')!.responseKind, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
    const beta = await get('/api', 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json');
    assert.equal(beta.body.apiVersion, 'apidiscovery.k8s.io/v2beta1');
    assert.equal(beta.body.items[0].metadata.name, '');
    assert.equal((await get('/api', 'application/json, */*')).body.kind, 'APIVersions');
  });

  it('OpenAPI v3 declares fieldValidation on PATCH', async () => {
    const idx = await c.request<{ paths: Record<string, { serverRelativeURL: string }> }>('GET', '/openapi/v3');
    const url = idx.paths['apis/apps/v1'].serverRelativeURL;
    const doc = await c.request<{ paths: Record<string, { patch: { parameters: { name: string }[] } }> }>('GET', url);
    const p = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
    assert.ok(p.patch.parameters.some((x) => x.name === 'fieldValidation'));
  });
});

describe('create, update, patch', () => {
  it('create sets uid, timestamp, generation, resourceVersion; generateName works', async () => {
    const before = await store.currentRevision();
    const p = await c.create<Pod>('pods', 'default', { ...podObj(''), metadata: { generateName: 'web-' } });
    assert.match(p.metadata!.name!, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.match(p.metadata!.uid!, /^[0-9a-f-]{36}$/);
    assert.match(p.metadata!.creationTimestamp as unknown as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(p.metadata!.generation, 1);
    assert.equal(p.metadata!.resourceVersion, String(before + 1));
    assert.equal(p.spec!.restartPolicy, 'Always');
    assert.equal(p.spec!.terminationGracePeriodSeconds, 30);
    assert.equal(p.status!.phase, 'Pending');
  });

  it('404 for a missing namespace, 409 AlreadyExists with upstream shape', async () => {
    const e = await apiError(c.create('pods', 'nowhere', podObj('a')));
    assert.equal(e.code, 404);
    assert.equal(e.status?.message, 'namespaces "nowhere" not found');
    await c.create('pods', 'default', podObj('dup'));
    const e2 = await apiError(c.create('pods', 'default', podObj('dup')));
    assert.equal(e2.code, 409);
    assert.equal(e2.reason, 'AlreadyExists');
    assert.deepEqual(e2.status?.details, { name: 'dup', kind: 'pods' });
    assert.equal(e2.status?.message, 'pods "dup" already exists');
  });

  it('422 Invalid carries causes with field paths', async () => {
    const bad = podObj('inv');
    bad.spec!.containers = [{ name: 'c', image: '' }, { name: 'c', image: 'x', ports: [{ containerPort: 70000 }] }];
    const e = await apiError(c.create('pods', 'default', bad));
    assert.equal(e.code, 422);
    assert.equal(e.reason, 'Invalid');
    assert.deepEqual(
      e.status?.details?.causes?.map((x) => [x.reason, x.field]),
      [
        ['FieldValueRequired', 'spec.containers[0].image'],
        // Upstream checks a container's own fields (ports) before its name's uniqueness.
        ['FieldValueInvalid', 'spec.containers[1].ports[0].containerPort'],
        ['FieldValueDuplicate', 'spec.containers[1].name'],
      ],
    );
    assert.match(e.status!.message!, /^Pod "inv" is invalid: \[spec.containers\[0\].image: Required value, /);
  });

  it('PUT with a stale resourceVersion is a 409 Conflict; without one it applies', async () => {
    const p = await c.create<Pod>('pods', 'default', podObj('u1'));
    const p2 = await c.update<Pod>('pods', { ...p, metadata: { ...p.metadata, labels: { v: '2' } } });
    const e = await apiError(c.update('pods', { ...p, metadata: { ...p.metadata, labels: { v: '3' } } }));
    assert.equal(e.code, 409);
    assert.equal(e.status?.message, 'Operation cannot be fulfilled on pods "u1": the object has been modified; please apply your changes to the latest version and try again');
    const noRV = { ...p2, metadata: { ...p2.metadata, resourceVersion: undefined, labels: { v: '4' } } };
    assert.equal((await c.update<Pod>('pods', noRV)).metadata!.labels!.v, '4');
  });

  it('status subresource: main writes keep status, /status writes change only status; generation follows spec', async () => {
    const d = await c.create<KubeObject & { spec: { replicas: number }; status?: Record<string, unknown> }>('deployments', 'default', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'st' },
      spec: { replicas: 1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
    } as never);
    const s1 = await c.updateStatus<typeof d>('deployments', { ...d, spec: { ...d.spec, replicas: 9 }, status: { replicas: 3, observedGeneration: 1 } });
    assert.equal(s1.spec.replicas, 1);
    assert.equal(s1.status!.replicas, 3);
    assert.equal(s1.metadata!.generation, 1);
    const m1 = await c.update<typeof d>('deployments', { ...s1, metadata: { ...s1.metadata, labels: { l: '1' } }, status: { replicas: 0 } });
    assert.equal(m1.status!.replicas, 3);
    assert.equal(m1.metadata!.generation, 1);
    const m2 = await c.patch<typeof d>('deployments', 'default', 'st', { spec: { replicas: 4 } });
    assert.equal(m2.metadata!.generation, 2);
    const sc = await c.get<KubeObject & { spec: { replicas: number }; status: { replicas: number; selector: string } }>('deployments', 'default', 'st', 'scale');
    assert.deepEqual([sc.kind, sc.apiVersion, sc.spec.replicas, sc.status.replicas, sc.status.selector], ['Scale', 'autoscaling/v1', 4, 3, 'a=b']);
    const sc2 = await c.update<typeof sc>('deployments', { ...sc, spec: { replicas: 6 } }, 'scale');
    assert.equal(sc2.spec.replicas, 6);
    const e = await apiError(c.patch('deployments', 'default', 'st', { spec: { replicas: -1 } }, 'merge', 'scale'));
    assert.equal(e.status?.message, 'Scale.autoscaling "st" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
  });

  it('a pod binds once: spec.nodeName may be set, not changed; other spec fields are immutable', async () => {
    const p = await c.create<Pod>('pods', 'default', podObj('bind'));
    const bound = await c.patch<Pod>('pods', 'default', 'bind', { metadata: { resourceVersion: p.metadata!.resourceVersion }, spec: { nodeName: 'node1' } });
    assert.equal(bound.spec!.nodeName, 'node1');
    const e = await apiError(c.patch('pods', 'default', 'bind', { spec: { nodeName: 'node2' } }));
    assert.equal(e.status?.message, 'Pod "bind" is invalid: spec.nodeName: Forbidden: pod is already assigned to node "node1"');
    const e2 = await apiError(c.patch('pods', 'default', 'bind', { spec: { restartPolicy: 'Never' } }));
    assert.equal(e2.code, 422);
    const img = await c.patch<Pod>('pods', 'default', 'bind', { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } }, 'strategic');
    assert.equal(img.spec!.containers[0].image, 'busybox:2');
  });

  it('merge, JSON and strategic merge patches; a resourceVersion in a patch is a precondition', async () => {
    await c.create<Pod>('pods', 'default', podObj('pt'));
    const j = await c.patch<Pod>('pods', 'default', 'pt', [{ op: 'add', path: '/metadata/labels/j', value: '1' }], 'json');
    assert.equal(j.metadata!.labels!.j, '1');
    await c.create('replicasets', 'default', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'smp' },
      spec: { replicas: 0, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i', env: [{ name: 'E', value: '1' }] }] } } },
    } as KubeObject);
    const s = await c.patch<KubeObject & { spec: { template: { spec: Pod['spec'] } } }>(
      'replicasets',
      'default',
      'smp',
      { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }, { name: 'd', image: 'x' }] } } } },
      'strategic',
    );
    const containers = s.spec.template.spec!.containers;
    assert.deepEqual(containers.map((x) => [x.name, x.image]), [['c', 'busybox:2'], ['d', 'x']]);
    assert.deepEqual(containers[0].env, [{ name: 'E', value: '1' }], 'merged by name, not replaced');
    const e = await apiError(c.patch('pods', 'default', 'pt', { metadata: { resourceVersion: '1', labels: { z: '1' } } }, 'merge'));
    assert.equal(e.reason, 'Conflict');
    const m = await c.patch<Pod>('pods', 'default', 'pt', { metadata: { labels: { j: null } } }, 'merge');
    assert.equal(m.metadata!.labels!.j, undefined);
  });

  it('apply-patch creates a missing object; dryRun=All persists nothing', async () => {
    const cm = await c.request<KubeObject>('PATCH', '/api/v1/namespaces/default/configmaps/applied?fieldManager=t', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: "1"\n', 'application/apply-patch+yaml');
    assert.equal((cm as { data?: Record<string, string> }).data?.a, '1');
    const dry = await c.request<KubeObject>('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', { metadata: { name: 'dry' } });
    assert.equal(dry.metadata?.name, 'dry');
    assert.equal((await apiError(c.get('configmaps', 'default', 'dry'))).code, 404);
  });

  it('list with label and field selectors; unknown field labels are a 400', async () => {
    await c.create('pods', 'default', { ...podObj('sel1'), metadata: { name: 'sel1', labels: { tier: 'a', env: 'p' } } });
    await c.create('pods', 'default', { ...podObj('sel2', { nodeName: 'n1' }), metadata: { name: 'sel2', labels: { tier: 'b' } } });
    const names = async (o: { labelSelector?: string; fieldSelector?: string }): Promise<string[]> =>
      (await c.list('pods', 'default', o)).items.map((p) => p.metadata!.name!).filter((n) => n.startsWith('sel'));
    assert.deepEqual(await names({ labelSelector: 'tier in (a,b),!env' }), ['sel2']);
    assert.deepEqual(await names({ labelSelector: 'tier notin (b)' }), ['sel1']);
    assert.deepEqual(await names({ fieldSelector: 'spec.nodeName=n1' }), ['sel2']);
    assert.deepEqual(await names({ fieldSelector: 'metadata.name!=sel2,status.phase=Pending' }), ['sel1']);
    const e = await apiError(c.list('pods', 'default', { fieldSelector: 'spec.bogus=1' }));
    assert.equal(e.code, 400);
    assert.equal(e.status?.message, 'field label not supported: spec.bogus');
  });

  it('limit and continue page through a consistent snapshot', async () => {
    await c.create('namespaces', undefined, { metadata: { name: 'pages' } });
    for (let i = 0; i < 5; i++) await c.create('configmaps', 'pages', { metadata: { name: `cm${i}` } });
    const first = await c.list('configmaps', 'pages', { limit: 2 });
    assert.deepEqual(first.items.map((x) => x.metadata!.name), ['cm0', 'cm1']);
    assert.ok(first.metadata.continue);
    await c.create('configmaps', 'pages', { metadata: { name: 'cm9' } }); // not in the snapshot
    const names: (string | undefined)[] = first.items.map((x) => x.metadata!.name);
    let token: string | undefined = first.metadata.continue;
    while (token) {
      const page: ObjectList<KubeObject> = await c.list('configmaps', 'pages', { limit: 2, continue: token });
      assert.equal(page.metadata.resourceVersion, first.metadata.resourceVersion);
      names.push(...page.items.map((x) => x.metadata!.name));
      token = page.metadata.continue;
    }
    assert.deepEqual(names, ['cm0', 'cm1', 'cm2', 'cm3', 'cm4']);
    const e = await apiError(c.list('configmaps', 'pages', { continue: 'garbage' }));
    assert.equal(e.code, 400);
  });

  it('a Table for services carries upstream columns and PartialObjectMetadata rows', async () => {
    await c.create<Service>('services', 'default', { metadata: { name: 'tbl' }, spec: { selector: { a: 'b' }, ports: [{ port: 53, protocol: 'UDP' }] } });
    const r = await c.raw('GET', '/api/v1/namespaces/default/services');
    assert.equal(r.status, 200);
    const t = await new Promise<{ columnDefinitions: { name: string; priority: number }[]; rows: { cells: unknown[]; object: { kind: string } }[] }>((resolve, reject) => {
      fetch(`${server.url}/api/v1/namespaces/default/services/tbl`, {
        headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json', Authorization: `Bearer ${TOKEN}` },
      })
        .then((res) => res.json())
        .then(resolve as never, reject);
    });
    assert.deepEqual(t.columnDefinitions.map((x) => x.name), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
    assert.equal(t.columnDefinitions[6].priority, 1);
    assert.deepEqual([t.rows[0].cells[0], t.rows[0].cells[1], t.rows[0].cells[3], t.rows[0].cells[4], t.rows[0].cells[6]], ['tbl', 'ClusterIP', '<none>', '53/UDP', 'a=b']);
    assert.equal(t.rows[0].object.kind, 'PartialObjectMetadata');
  });
});

describe('delete', () => {
  it('a scheduled pod is deleted gracefully; the agent finishes with gracePeriodSeconds=0', async () => {
    await c.create('pods', 'default', podObj('g1', { nodeName: 'node1', terminationGracePeriodSeconds: 20 }));
    const r = await c.raw('DELETE', '/api/v1/namespaces/default/pods/g1', '{}');
    assert.equal(r.status, 202);
    const marked = JSON.parse(r.body) as Pod;
    assert.equal(marked.metadata!.deletionGracePeriodSeconds, 20);
    const ts = Date.parse(marked.metadata!.deletionTimestamp as unknown as string);
    assert.ok(ts > Date.now() + 15_000 && ts <= Date.now() + 21_000);
    assert.ok(await c.get('pods', 'default', 'g1'));
    await c.delete('pods', 'default', 'g1', { gracePeriodSeconds: 0 });
    assert.equal((await apiError(c.get('pods', 'default', 'g1'))).code, 404);
    // Unscheduled pods go at once.
    await c.create('pods', 'default', podObj('g2'));
    assert.equal((await c.raw('DELETE', '/api/v1/namespaces/default/pods/g2')).status, 200);
    assert.equal((await apiError(c.get('pods', 'default', 'g2'))).code, 404);
  });

  it('finalizers keep a deleted object until the last one is removed', async () => {
    await c.create('configmaps', 'default', { metadata: { name: 'fin', finalizers: ['example.com/hold'] } });
    const r = await c.raw('DELETE', '/api/v1/namespaces/default/configmaps/fin');
    assert.equal(r.status, 202);
    const held = await c.get('configmaps', 'default', 'fin');
    assert.ok(held.metadata?.deletionTimestamp);
    const e = await apiError(c.patch('configmaps', 'default', 'fin', { metadata: { finalizers: ['example.com/hold', 'new'] } }));
    assert.equal(e.code, 422);
    await c.patch('configmaps', 'default', 'fin', { metadata: { finalizers: null } });
    assert.equal((await apiError(c.get('configmaps', 'default', 'fin'))).code, 404);
  });

  it('deleting a namespace terminates it, removes its contents, then the namespace', async () => {
    await c.create('namespaces', undefined, { metadata: { name: 'doomed' } });
    await c.create('configmaps', 'doomed', { metadata: { name: 'cm' } });
    await c.create('pods', 'doomed', podObj('p'));
    const r = await c.raw('DELETE', '/api/v1/namespaces/doomed');
    assert.equal(r.status, 202);
    assert.equal((JSON.parse(r.body) as { status: { phase: string } }).status.phase, 'Terminating');
    const e = await apiError(c.create('configmaps', 'doomed', { metadata: { name: 'late' } }));
    assert.equal(e.code, 403);
    for (let i = 0; i < 100; i++) {
      try {
        await c.get('namespaces', undefined, 'doomed');
      } catch {
        break;
      }
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.equal((await apiError(c.get('namespaces', undefined, 'doomed'))).code, 404);
    assert.equal((await c.list('configmaps', 'doomed')).items.length, 0);
  });
});

// Garbage collection (ownerReferences, propagationPolicy) is the controller's: test/integration/controllers/garbage-collector.test.ts.

describe('NodePort allocation', () => {
  const np = (name: string, nodePort?: number): Service => ({ metadata: { name }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort }] } });

  it('allocates, honours requests, keeps ports across updates, releases on type change and delete', async () => {
    const a = await c.create<Service>('services', 'default', np('np-a'));
    const port = a.spec!.ports![0].nodePort!;
    assert.ok(port >= 30000 && port <= 32767);
    const b = await c.create<Service>('services', 'default', np('np-b', 30080));
    assert.equal(b.spec!.ports![0].nodePort, 30080);
    const e = await apiError(c.create('services', 'default', np('np-c', 30080)));
    assert.equal(e.status?.message, 'Service "np-c" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
    const range = await apiError(c.create('services', 'default', np('np-d', 8080)));
    assert.match(range.status!.message!, /spec.ports\[0\].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767/);
    // A PUT without nodePort keeps the allocated one (as kubectl apply does).
    const put = await c.update<Service>('services', { ...b, spec: { ...b.spec, ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] } });
    assert.equal(put.spec!.ports![0].nodePort, 30080);
    const toCluster = await c.patch<Service>('services', 'default', 'np-b', { spec: { type: 'ClusterIP', ports: [{ port: 80, nodePort: null }] } });
    assert.equal(toCluster.spec!.ports![0].nodePort, undefined);
    assert.equal((await c.create<Service>('services', 'default', np('np-c', 30080))).spec!.ports![0].nodePort, 30080);
    await c.delete('services', 'default', 'np-c');
    assert.equal((await c.create<Service>('services', 'default', np('np-e', 30080))).spec!.ports![0].nodePort, 30080);
    const forbid = await apiError(c.create('services', 'default', { metadata: { name: 'np-f' }, spec: { ports: [{ port: 80, nodePort: 30001 }] } } as KubeObject));
    assert.match(forbid.status!.message!, /spec.ports\[0\].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'/);
  });
});

describe('ClusterIP allocation', () => {
  const svc = (name: string, clusterIP?: string): Service => ({ metadata: { name }, spec: { clusterIP, ports: [{ port: 80 }] } });

  it('honours requested IPs, refuses taken or out-of-range ones, releases on delete', async () => {
    const a = await c.create<Service>('services', 'default', svc('ip-a', '10.96.0.10'));
    assert.equal(a.spec!.clusterIP, '10.96.0.10');
    assert.deepEqual(a.spec!.clusterIPs, ['10.96.0.10']);
    const e = await apiError(c.create('services', 'default', svc('ip-b', '10.96.0.10')));
    assert.equal(e.code, 422);
    assert.equal(e.status?.message, 'Service "ip-b" is invalid: spec.clusterIP: Invalid value: "10.96.0.10": failed to allocate IP 10.96.0.10: provided IP is already allocated');
    const out = await apiError(c.create('services', 'default', svc('ip-c', '192.168.1.1')));
    assert.match(out.status!.message!, /spec.clusterIP: Invalid value: "192.168.1.1": failed to allocate IP 192.168.1.1: the provided IP \(192.168.1.1\) is not in the valid range. The range of valid IPs is 10.96.0.0\/12/);
    const headless = await c.create<Service>('services', 'default', svc('ip-h', 'None'));
    assert.equal(headless.spec!.clusterIP, 'None');
    assert.equal(headless.spec!.ipFamilyPolicy, 'RequireDualStack', 'a selector-less headless Service takes every cluster family');
    const withSelector = await c.create<Service>('services', 'default', { ...svc('ip-hs', 'None'), spec: { clusterIP: 'None', selector: { app: 'x' }, ports: [{ port: 80 }] } });
    assert.deepEqual([withSelector.spec!.ipFamilyPolicy, withSelector.spec!.ipFamilies], ['SingleStack', ['IPv4']]);
    const imm = await apiError(c.patch('services', 'default', 'ip-a', { spec: { clusterIP: '10.96.0.11' } }));
    assert.match(imm.status!.message!, /spec.clusterIP: Invalid value: "10.96.0.11": field is immutable/);
    await c.delete('services', 'default', 'ip-a');
    assert.equal((await c.create<Service>('services', 'default', svc('ip-b', '10.96.0.10'))).spec!.clusterIP, '10.96.0.10');
  });
});
