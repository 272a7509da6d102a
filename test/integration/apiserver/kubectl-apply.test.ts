/**
 * `kubectl apply --server-side` against podnet's field manager, on kubectl 1.32 and 1.29:
 * managedFields entries (manager, operation, apiVersion, FieldsV1), conflicts with another
 * manager answered 409 with upstream's message, --force-conflicts, pruning of fields the applier
 * dropped, shared ownership, the upgrade from client-side apply, and server dry run.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Deployment } from '../../../src/api/types.js';
import { KUBECTL_VERSIONS as VERSIONS, type KubectlApi, kubectl, kubectlOk as ok, startKubectlApi } from '../../helpers/apiserver-kubectl.js';

const deployment = (replicas: number, labels = '{app: ssa, tier: web}'): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ssa
  labels: ${labels}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ssa}
  template:
    metadata:
      labels: {app: ssa}
    spec:
      containers:
      - name: c
        image: nginx:1.27
`;

interface Entry {
  manager: string;
  operation: string;
  apiVersion: string;
  fieldsType: string;
  time?: string;
  fieldsV1: Record<string, unknown>;
}

for (const v of VERSIONS) {
  describe(`kubectl ${v.minor} apply --server-side`, () => {
    let api: KubectlApi;
    const entries = async (kind: string, name: string): Promise<Entry[]> =>
      JSON.parse(await ok(api.k, ['get', kind, name, '-o', 'json', '--show-managed-fields'])).metadata.managedFields ?? [];
    const entry = async (kind: string, name: string, manager: string): Promise<Entry | undefined> => (await entries(kind, name)).find((e) => e.manager === manager);

    before(async () => {
      api = await startKubectlApi({ bin: v.bin });
    });
    after(async () => {
      await api?.close();
    });

    it('creates the object and records the applier as manager of exactly its fields', async () => {
      assert.match(await ok(api.k, ['apply', '--server-side', '-f', '-'], deployment(2)), /^deployment.apps\/ssa serverside-applied$/m);
      const list = await entries('deploy', 'ssa');
      assert.equal(list.length, 1);
      const [e] = list;
      assert.equal(e.manager, 'kubectl');
      assert.equal(e.operation, 'Apply');
      assert.equal(e.apiVersion, 'apps/v1');
      assert.equal(e.fieldsType, 'FieldsV1');
      assert.match(e.time ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.deepEqual(e.fieldsV1, {
        'f:metadata': { 'f:labels': { '.': {}, 'f:app': {}, 'f:tier': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': {
            'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
            'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
          },
        },
      });
      const d = await api.client.get<Deployment>('deployments', 'default', 'ssa');
      assert.equal(d.spec?.replicas, 2);
      assert.equal(d.spec?.strategy?.type, 'RollingUpdate', 'defaults apply as for any write');
      assert.doesNotMatch(await ok(api.k, ['get', 'deploy', 'ssa', '-o', 'yaml']), /managedFields/, 'hidden unless asked for');
    });

    it('an Update by another manager takes the field it changed', async () => {
      await ok(api.k, ['patch', 'deploy', 'ssa', '--type', 'merge', '-p', '{"spec":{"replicas":5}}']);
      const patcher = await entry('deploy', 'ssa', 'kubectl-patch');
      assert.equal(patcher?.operation, 'Update');
      assert.equal(patcher?.apiVersion, 'apps/v1');
      assert.deepEqual(patcher?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
      const applier = await entry('deploy', 'ssa', 'kubectl');
      assert.equal((applier?.fieldsV1['f:spec'] as Record<string, unknown>)['f:replicas'], undefined);
    });

    it('applying a different value for that field is a 409 conflict with upstream message', async () => {
      const r = await kubectl(api.k, ['apply', '--server-side', '-f', '-'], deployment(2));
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Apply failed with 1 conflict: conflict with "kubectl-patch" using apps\/v1: \.spec\.replicas/);
      assert.match(r.stderr, /Please review the fields above--they currently have other managers/);
      assert.equal((await api.client.get<Deployment>('deployments', 'default', 'ssa')).spec?.replicas, 5, 'nothing written');
      const raw = await api.client.raw('PATCH', '/apis/apps/v1/namespaces/default/deployments/ssa?fieldManager=kubectl', deployment(2), 'application/apply-patch+yaml');
      assert.equal(raw.status, 409);
      const st = JSON.parse(raw.body);
      assert.equal(st.reason, 'Conflict');
      assert.deepEqual(st.details.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-patch" using apps/v1', field: '.spec.replicas' }]);
    });

    it('the same value is no conflict, and --force-conflicts takes the field over', async () => {
      assert.match(await ok(api.k, ['apply', '--server-side', '-f', '-'], deployment(5)), /serverside-applied/);
      assert.ok(await entry('deploy', 'ssa', 'kubectl-patch'), 'shared ownership keeps the other manager');
      assert.match(await ok(api.k, ['apply', '--server-side', '--force-conflicts', '-f', '-'], deployment(3)), /serverside-applied/);
      assert.equal((await api.client.get<Deployment>('deployments', 'default', 'ssa')).spec?.replicas, 3);
      assert.equal(await entry('deploy', 'ssa', 'kubectl-patch'), undefined, 'the entry that lost its only field is gone');
    });

    it('a field dropped from the configuration is removed unless another manager owns it', async () => {
      await ok(api.k, ['label', 'deploy', 'ssa', 'owner=ops']);
      assert.deepEqual((await entry('deploy', 'ssa', 'kubectl-label'))?.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:owner': {} } } });
      await ok(api.k, ['apply', '--server-side', '-f', '-'], deployment(3, '{app: ssa}'));
      const d = await api.client.get<Deployment>('deployments', 'default', 'ssa');
      assert.deepEqual(d.metadata?.labels, { app: 'ssa', owner: 'ops' });
    });

    it('two appliers share the fields they agree on', async () => {
      await ok(api.k, ['apply', '--server-side', '--field-manager=other', '-f', '-'], deployment(3, '{app: ssa}'));
      const other = await entry('deploy', 'ssa', 'other');
      assert.equal(other?.operation, 'Apply');
      const r = await kubectl(api.k, ['apply', '--server-side', '--field-manager=other', '-f', '-'], deployment(4, '{app: ssa}'));
      assert.match(r.stderr, /Apply failed with 1 conflict: conflict with "kubectl": \.spec\.replicas/);
    });

    it('--dry-run=server changes nothing', async () => {
      const before = await api.client.get<Deployment>('deployments', 'default', 'ssa');
      assert.match(await ok(api.k, ['apply', '--server-side', '--force-conflicts', '--dry-run=server', '-f', '-'], deployment(7)), /serverside-applied \(server dry run\)/);
      const after = await api.client.get<Deployment>('deployments', 'default', 'ssa');
      assert.equal(after.spec?.replicas, 3);
      assert.equal(after.metadata?.resourceVersion, before.metadata?.resourceVersion);
    });

    it('client-side apply, then server-side apply of the same manifest upgrades without conflict', async () => {
      const cm = (value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  key: "${value}"\n`;
      assert.match(await ok(api.k, ['apply', '-f', '-'], cm('1')), /configmap\/cfg created/);
      assert.equal((await entry('cm', 'cfg', 'kubectl-client-side-apply'))?.operation, 'Update');
      assert.match(await ok(api.k, ['apply', '--server-side', '-f', '-'], cm('2')), /configmap\/cfg serverside-applied/);
      assert.equal((await api.client.get<ConfigMap>('configmaps', 'default', 'cfg')).data?.key, '2');
      const applier = await entry('cm', 'cfg', 'kubectl');
      assert.equal(applier?.operation, 'Apply');
      assert.deepEqual((applier?.fieldsV1 as Record<string, Record<string, unknown>>)['f:data'], { '.': {}, 'f:key': {} });
    });

    it('kubectl scale owns spec.replicas through the scale subresource, and a later apply conflicts with it', async () => {
      await ok(api.k, ['scale', 'deploy', 'ssa', '--replicas=6']);
      const scaler = (await entries('deploy', 'ssa')).find((e) => (e as { subresource?: string }).subresource === 'scale');
      assert.equal(scaler?.operation, 'Update');
      assert.deepEqual(scaler?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
      const r = await kubectl(api.k, ['apply', '--server-side', '-f', '-'], deployment(3, '{app: ssa}'));
      assert.match(r.stderr, new RegExp(`Apply failed with 1 conflict: conflict with "${scaler?.manager}" with subresource "scale" using apps/v1: \\.spec\\.replicas`));
      await ok(api.k, ['apply', '--server-side', '--force-conflicts', '-f', '-'], deployment(3, '{app: ssa}'));
      assert.equal((await api.client.get<Deployment>('deployments', 'default', 'ssa')).spec?.replicas, 3);
    });

    it('apply without a field manager is refused', async () => {
      const raw = await api.client.raw('PATCH', '/api/v1/namespaces/default/configmaps/x', '{"apiVersion":"v1","kind":"ConfigMap"}', 'application/apply-patch+yaml');
      assert.equal(raw.status, 422);
      assert.match(JSON.parse(raw.body).message, /fieldManager: Required value: is required for apply patch/);
    });
  });
}
