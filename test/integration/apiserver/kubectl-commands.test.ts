/**
 * Issue 3 item 4: every everyday kubectl command against podnet's apiserver (https + token), on
 * kubectl 1.32 (the default) and 1.29, checking both what kubectl prints and what the API then
 * holds. No controllers run here: statuses that `rollout status` and `wait` read are written by
 * the test through the status subresource, as a controller would.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { ConfigMap, Deployment, Ingress, Pod, Service } from '../../../src/api/types.js';
import { KUBECTL_VERSIONS as VERSIONS, type KubectlApi, kubectl, kubectlEnv, kubectlOk as ok, kubectlStream, startKubectlApi } from '../../helpers/apiserver-kubectl.js';
import { eventually } from '../../helpers/eventually.js';


const pod = (name: string, extra = ''): string => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: {tier: web}
${extra}spec:
  containers:
  - name: main
    image: busybox
`;

const deployment = (image: string, labels = '{app: web, team: a}'): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: ${labels}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: c
        image: ${image}
        ports: [{containerPort: 8080}]
`;

const rc = `apiVersion: v1
kind: ReplicationController
metadata:
  name: nginx
spec:
  replicas: 1
  selector: {app: nginx}
  template:
    metadata:
      labels: {app: nginx}
    spec:
      containers:
      - name: nginx
        image: nginx
        ports: [{containerPort: 8000}]
`;

/** A Deployment status as the deployment controller writes it once a rollout is complete. */
async function markRolledOut(api: KubectlApi, name: string): Promise<void> {
  const d = await api.client.get<Deployment>('deployments', 'default', name);
  const n = d.spec?.replicas ?? 1;
  await api.client.updateStatus('deployments', {
    ...d,
    status: {
      observedGeneration: d.metadata?.generation,
      replicas: n,
      updatedReplicas: n,
      readyReplicas: n,
      availableReplicas: n,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${name}-1" has successfully progressed.` },
      ],
    },
  });
}

for (const v of VERSIONS) {
  describe(`kubectl ${v.minor} commands`, () => {
    let api: KubectlApi;

    before(async () => {
      api = await startKubectlApi({ bin: v.bin });
    });
    after(async () => {
      await api?.close();
      assert.equal(existsSync(api.k.home), false, 'no kubectl left writing into its HOME');
    });

    it('create -f creates, a second create is AlreadyExists', async () => {
      assert.match(await ok(api.k, ['create', '-f', '-'], pod('p1')), /^pod\/p1 created$/m);
      const again = await kubectl(api.k, ['create', '-f', '-'], pod('p1'));
      assert.notEqual(again.code, 0);
      assert.match(again.stderr, /Error from server \(AlreadyExists\): error when creating "STDIN": pods "p1" already exists/);
      const p = await api.client.get<Pod>('pods', 'default', 'p1');
      assert.equal(p.status?.phase, 'Pending');
      assert.match(p.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    });

    it('apply (client-side) creates, configures, and prunes a field dropped from the manifest', async () => {
      assert.match(await ok(api.k, ['apply', '-f', '-'], deployment('nginx:1.27')), /deployment.apps\/web created/);
      const created = await api.client.get<Deployment>('deployments', 'default', 'web');
      const lastApplied = JSON.parse(created.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '{}');
      assert.equal(lastApplied.spec.template.spec.containers[0].image, 'nginx:1.27');
      assert.match(await ok(api.k, ['apply', '-f', '-'], deployment('nginx:1.28', '{app: web}')), /deployment.apps\/web configured/);
      const d = await api.client.get<Deployment>('deployments', 'default', 'web');
      assert.equal(d.spec?.template?.spec?.containers[0].image, 'nginx:1.28');
      assert.deepEqual(d.metadata?.labels, { app: 'web' }, 'the label removed from the manifest is removed');
      assert.equal(d.metadata?.generation, 2);
      assert.match(await ok(api.k, ['apply', '-f', '-'], deployment('nginx:1.28', '{app: web}')), /deployment.apps\/web unchanged/);
    });

    it('diff (a server dry-run patch) shows a change and exits 1, nothing and exits 0', async () => {
      const changed = await kubectl(api.k, ['diff', '-f', '-'], deployment('nginx:1.29', '{app: web}'));
      assert.equal(changed.code, 1, changed.stderr);
      assert.match(changed.stdout, /^-\s+- image: nginx:1.28$/m);
      assert.match(changed.stdout, /^\+\s+- image: nginx:1.29$/m);
      assert.equal((await api.client.get<Deployment>('deployments', 'default', 'web')).spec?.template?.spec?.containers[0].image, 'nginx:1.28', 'dry run only');
      const same = await kubectl(api.k, ['diff', '-f', '-'], deployment('nginx:1.28', '{app: web}'));
      assert.equal(same.code, 0, same.stderr);
      assert.equal(same.stdout, '');
    });

    it('get -o wide|yaml|json|jsonpath|name', async () => {
      const wide = await ok(api.k, ['get', 'pods', '-o', 'wide']);
      assert.match(wide, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/m);
      assert.match(wide, /^p1\s+0\/1\s+Pending\s+0\s+\d+s\s+<none>\s+<none>\s+<none>\s+<none>$/m);
      const dw = await ok(api.k, ['get', 'deploy', '-o', 'wide']);
      assert.match(dw, /^web\s+0\/2\s+0\s+0\s+\S+\s+c\s+nginx:1.28\s+app=web$/m);
      const y = parseYaml(await ok(api.k, ['get', 'pod', 'p1', '-o', 'yaml']));
      assert.equal(y.kind, 'Pod');
      assert.equal(y.spec.containers[0].image, 'busybox');
      assert.equal(y.metadata.managedFields, undefined, 'kubectl hides managedFields by default');
      const list = JSON.parse(await ok(api.k, ['get', 'pods', '-o', 'json']));
      assert.equal(list.kind, 'List');
      assert.deepEqual(list.items.map((p: Pod) => p.metadata?.name), ['p1']);
      assert.equal(await ok(api.k, ['get', 'pod', 'p1', '-o', 'jsonpath={.spec.containers[0].name}/{.status.phase}']), 'main/Pending');
      assert.equal(await ok(api.k, ['get', 'pods', '-o', "jsonpath={range .items[*]}{.metadata.name}{'\\n'}{end}"]), 'p1\n');
      assert.equal(await ok(api.k, ['get', 'deploy,pods', '-o', 'name']), 'deployment.apps/web\npod/p1\n');
    });

    it('get -l, --field-selector (name, namespace, nodeName, phase, podIP) and -A', async () => {
      await ok(api.k, ['create', 'namespace', 'other']);
      await ok(api.k, ['-n', 'other', 'create', '-f', '-'], pod('p2'));
      const p2 = await api.client.get<Pod>('pods', 'other', 'p2');
      await api.client.updateStatus('pods', { ...p2, status: { ...p2.status, phase: 'Running', podIP: '10.244.1.7', podIPs: [{ ip: '10.244.1.7' }] } });
      await api.client.patch('pods', 'other', 'p2', { metadata: { labels: { color: 'red' } } }, 'merge');
      const names = (args: string[]): Promise<string> => ok(api.k, ['get', 'pods', '-A', '-o', 'name', ...args]);
      assert.equal(await names(['-l', 'color=red']), 'pod/p2\n');
      assert.equal(await names(['-l', 'tier=web,color!=red']), 'pod/p1\n');
      assert.equal(await names(['-l', 'color in (red,blue)']), 'pod/p2\n');
      assert.equal(await names(['-l', '!color']), 'pod/p1\n');
      assert.equal(await names(['--field-selector', 'metadata.name=p2']), 'pod/p2\n');
      assert.equal(await names(['--field-selector', 'metadata.namespace=default']), 'pod/p1\n');
      assert.equal(await names(['--field-selector', 'status.phase=Running']), 'pod/p2\n');
      assert.equal(await names(['--field-selector', 'status.phase!=Running']), 'pod/p1\n');
      assert.equal(await names(['--field-selector', 'status.podIP=10.244.1.7']), 'pod/p2\n');
      assert.equal(await names(['--field-selector', 'spec.nodeName=']), 'pod/p1\npod/p2\n');
      const bad = await kubectl(api.k, ['get', 'pods', '--field-selector', 'spec.image=x']);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /field label not supported: spec.image/);
      const all = await ok(api.k, ['get', 'pods', '-A']);
      assert.match(all, /^NAMESPACE\s+NAME\s+READY\s+STATUS/m);
      assert.match(all, /^default\s+p1\s+0\/1\s+Pending/m);
      assert.match(all, /^other\s+p2\s+0\/1\s+Running/m);
    });

    it('get --field-selector spec.nodeName selects the pods bound to a node', async () => {
      await ok(api.k, ['-n', 'other', 'create', '-f', '-'], pod('bound').replace('spec:\n', 'spec:\n  nodeName: node1\n'));
      assert.equal(await ok(api.k, ['get', 'pods', '-A', '-o', 'name', '--field-selector', 'spec.nodeName=node1']), 'pod/bound\n');
      assert.equal(await ok(api.k, ['get', 'pods', '-A', '-o', 'name', '--field-selector', 'spec.nodeName!=node1,metadata.namespace=other']), 'pod/p2\n');
    });

    it('get -w prints additions and changes as they happen', async () => {
      const w = kubectlStream(api.k, ['get', 'pods', '-w', '--output-watch-events']);
      try {
        await w.waitFor(/^ADDED\s+p1\s/m);
        await ok(api.k, ['create', '-f', '-'], pod('p3'));
        await w.waitFor(/^ADDED\s+p3\s+0\/1\s+Pending/m);
        await ok(api.k, ['label', 'pod', 'p3', 'x=y']);
        await w.waitFor(/^MODIFIED\s+p3\s/m);
        await ok(api.k, ['delete', 'pod', 'p3']);
        await w.waitFor(/^DELETED\s+p3\s/m);
      } finally {
        await w.stop();
      }
    });

    it('describe pod, deployment and service', async () => {
      const dp = await ok(api.k, ['describe', 'pod', 'p1']);
      assert.match(dp, /^Name:\s+p1$/m);
      assert.match(dp, /^Namespace:\s+default$/m);
      assert.match(dp, /^Status:\s+Pending$/m);
      assert.match(dp, /Image:\s+busybox/);
      const dd = await ok(api.k, ['describe', 'deployment', 'web']);
      assert.match(dd, /^Selector:\s+app=web$/m);
      assert.match(dd, /^Replicas:\s+2 desired \| 0 updated \| 0 total \| 0 available \| 0 unavailable$/m);
      assert.match(dd, /^StrategyType:\s+RollingUpdate$/m);
      await ok(api.k, ['create', 'service', 'clusterip', 'described', '--tcp=80:8080']);
      const ds = await ok(api.k, ['describe', 'service', 'described']);
      assert.match(ds, /^Type:\s+ClusterIP$/m);
      assert.match(ds, /^IP:\s+10\.\d+\.\d+\.\d+$/m);
      assert.match(ds, /^TargetPort:\s+8080\/TCP$/m);
    });

    it('label and annotate: add, refuse to overwrite without --overwrite, overwrite, remove', async () => {
      assert.match(await ok(api.k, ['label', 'pod', 'p1', 'color=blue', 'size=s']), /pod\/p1 labeled/);
      const clash = await kubectl(api.k, ['label', 'pod', 'p1', 'color=green']);
      assert.notEqual(clash.code, 0);
      assert.match(clash.stderr, /'color' already has a value \(blue\), and --overwrite is false/);
      await ok(api.k, ['label', 'pod', 'p1', 'color=green', '--overwrite']);
      await ok(api.k, ['label', 'pod', 'p1', 'size-']);
      assert.deepEqual((await api.client.get<Pod>('pods', 'default', 'p1')).metadata?.labels, { tier: 'web', color: 'green' });
      assert.match(await ok(api.k, ['annotate', 'pod', 'p1', 'note=hello world']), /pod\/p1 annotated/);
      await ok(api.k, ['annotate', 'deploy', 'web', 'a=1', 'b=2']);
      await ok(api.k, ['annotate', 'deploy', 'web', 'a-']);
      assert.equal((await api.client.get<Pod>('pods', 'default', 'p1')).metadata?.annotations?.note, 'hello world');
      const ann = (await api.client.get<Deployment>('deployments', 'default', 'web')).metadata?.annotations ?? {};
      assert.equal(ann.b, '2');
      assert.equal(ann.a, undefined);
    });

    it('patch --type merge|json|strategic', async () => {
      assert.match(await ok(api.k, ['patch', 'deploy', 'web', '--type', 'merge', '-p', '{"spec":{"minReadySeconds":5}}']), /deployment.apps\/web patched/);
      await ok(api.k, ['patch', 'deploy', 'web', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"nginx:1.29"}]']);
      // Strategic: containers merge by name, so a sidecar is added next to "c".
      await ok(api.k, ['patch', 'deploy', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox"}]}}}}']);
      const d = await api.client.get<Deployment>('deployments', 'default', 'web');
      assert.equal(d.spec?.minReadySeconds, 5);
      assert.deepEqual(d.spec?.template?.spec?.containers.map((c) => `${c.name}=${c.image}`), ['c=nginx:1.29', 'side=busybox']);
      const failed = await kubectl(api.k, ['patch', 'deploy', 'web', '--type', 'json', '-p', '[{"op":"test","path":"/spec/replicas","value":9}]']);
      assert.notEqual(failed.code, 0);
      // A failed JSON patch is a 422 Invalid without causes, which kubectl prints this way.
      assert.match(failed.stderr, /The request is invalid: the server rejected our request due to an error in our request/);
      assert.match(await ok(api.k, ['patch', 'deploy', 'web', '--type', 'merge', '-p', '{"spec":{"minReadySeconds":5}}']), /deployment.apps\/web patched \(no change\)/);
    });

    it('edit sends the editor\'s change as a patch, recorded under kubectl-edit', async () => {
      const editor = kubectlEnv(api.server.url, api.client.config.token, { bin: v.bin, env: { KUBE_EDITOR: "sed -i -e 's/minReadySeconds: 5$/minReadySeconds: 7/'" } });
      try {
        assert.match(await ok(editor, ['edit', 'deploy/web']), /deployment.apps\/web edited/);
      } finally {
        editor.cleanup();
      }
      const d = await api.client.get<Deployment>('deployments', 'default', 'web');
      assert.equal(d.spec?.minReadySeconds, 7);
      const managers = (d.metadata?.managedFields ?? []).map((e) => `${e.manager}/${e.operation}`);
      assert.ok(managers.includes('kubectl-edit/Update'), managers.join(' '));
    });

    it('scale, rollout restart and rollout status', async () => {
      assert.match(await ok(api.k, ['scale', 'deploy', 'web', '--replicas=3']), /deployment.apps\/web scaled/);
      assert.equal((await api.client.get<Deployment>('deployments', 'default', 'web')).spec?.replicas, 3);
      const stale = await kubectl(api.k, ['scale', 'deploy', 'web', '--replicas=4', '--current-replicas=2']);
      assert.notEqual(stale.code, 0, 'a --current-replicas precondition that does not hold fails');
      assert.match(await ok(api.k, ['rollout', 'restart', 'deploy/web']), /deployment.apps\/web restarted/);
      const d = await api.client.get<Deployment>('deployments', 'default', 'web');
      assert.match(d.spec?.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'] ?? '', /^\d{4}-\d\d-\d\dT/);
      const waiting = await kubectl(api.k, ['rollout', 'status', 'deploy/web', '--timeout=1s']);
      assert.notEqual(waiting.code, 0);
      assert.match(waiting.stdout, /Waiting for deployment (spec update to be observed|"web" rollout to finish)/);
      const status = kubectlStream(api.k, ['rollout', 'status', 'deploy/web', '--timeout=20s']);
      try {
        await status.waitFor(/Waiting/);
        await markRolledOut(api, 'web');
        await status.waitFor(/deployment "web" successfully rolled out/);
        await eventually('rollout status to exit', () => status.child.exitCode === 0);
      } finally {
        await status.stop();
      }
    });

    it('wait --for=condition=Ready, --for=jsonpath and --for=delete', async () => {
      const ready = kubectlStream(api.k, ['wait', '--for=condition=Ready', 'pod/p1', '--timeout=20s']);
      const phase = kubectlStream(api.k, ['wait', '--for=jsonpath={.status.phase}=Running', 'pod/p1', '--timeout=20s']);
      try {
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(ready.child.exitCode, null, 'still waiting while the pod is not Ready');
        const p = await api.client.get<Pod>('pods', 'default', 'p1');
        await api.client.updateStatus('pods', {
          ...p,
          status: { ...p.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
        });
        await ready.waitFor(/pod\/p1 condition met/);
        await phase.waitFor(/pod\/p1 condition met/);
      } finally {
        await ready.stop();
        await phase.stop();
      }
      const gone = kubectlStream(api.k, ['wait', '--for=delete', 'pod/p1', '--timeout=20s']);
      try {
        await new Promise((r) => setTimeout(r, 300));
        await api.client.delete('pods', 'default', 'p1');
        // On a loaded machine kubectl may look only after the delete: then it finds nothing to
        // wait for and exits 0 without a word, which is also a pass.
        await eventually('kubectl wait --for=delete to see the pod gone', () =>
          /pod\/p1 (condition met|deleted)/.test(gone.output()) || (gone.child.exitCode === 0 && gone.output().trim() === ''),
        );
        assert.equal(await new Promise((r) => (gone.child.exitCode !== null ? r(gone.child.exitCode) : gone.child.once('exit', r))), 0);
      } finally {
        await gone.stop();
      }
    });

    it('delete --wait blocks until the last finalizer is removed', async () => {
      await ok(api.k, ['create', '-f', '-'], pod('held', '  finalizers: [example.com/hold]\n'));
      const del = kubectlStream(api.k, ['delete', 'pod', 'held', '--timeout=20s']);
      try {
        await eventually('deletionTimestamp to be set', async () => (await api.client.get<Pod>('pods', 'default', 'held')).metadata?.deletionTimestamp);
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(del.child.exitCode, null, 'kubectl delete still waits');
        await api.client.patch('pods', 'default', 'held', { metadata: { finalizers: null } }, 'merge');
        await del.waitFor(/pod "held" deleted/);
        await eventually('kubectl delete to exit', () => del.child.exitCode === 0);
      } finally {
        await del.stop();
      }
      const r = await kubectl(api.k, ['get', 'pod', 'held']);
      assert.match(r.stderr, /pods "held" not found/);
      assert.match(await ok(api.k, ['delete', 'pods', '-l', 'tier=web', '-n', 'other', '--wait=false']), /pod "p2" deleted/);
    });

    it('expose deployment and expose rc (seed 004) make Services with the workload selector', async () => {
      assert.match(await ok(api.k, ['expose', 'deployment', 'web', '--port=80', '--target-port=8080', '--name=web-svc']), /service\/web-svc exposed/);
      const s1 = await api.client.get<Service>('services', 'default', 'web-svc');
      assert.deepEqual(s1.spec?.selector, { app: 'web' });
      assert.deepEqual(s1.spec?.ports, [{ port: 80, protocol: 'TCP', targetPort: 8080 }]);
      assert.match(s1.spec?.clusterIP ?? '', /^10\./);
      assert.match(await ok(api.k, ['create', '-f', '-'], rc), /replicationcontroller\/nginx created/);
      assert.match(await ok(api.k, ['expose', 'rc', 'nginx', '--port=80', '--target-port=8000']), /service\/nginx exposed/);
      const s2 = await api.client.get<Service>('services', 'default', 'nginx');
      assert.deepEqual(s2.spec?.selector, { app: 'nginx' });
      assert.deepEqual(s2.spec?.ports, [{ port: 80, protocol: 'TCP', targetPort: 8000 }]);
      // Seed 004: `kubectl expose rc hdls` with no ports copies the template's containerPort.
      assert.match(await ok(api.k, ['expose', 'rc', 'nginx', '--name=nginx-auto']), /service\/nginx-auto exposed/);
      assert.deepEqual((await api.client.get<Service>('services', 'default', 'nginx-auto')).spec?.ports, [{ port: 8000, protocol: 'TCP', targetPort: 8000 }]);
      assert.match(await ok(api.k, ['get', 'rc', '-o', 'wide']), /^nginx\s+1\s+0\s+0\s+\S+\s+nginx\s+nginx\s+app=nginx$/m);
    });

    it('get prints upstream columns for DaemonSets, Ingresses, NetworkPolicies and ServiceAccounts', async () => {
      const manifests = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      nodeSelector: {kubernetes.io/os: linux}
      containers: [{name: a, image: busybox}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: nginx
  rules:
  - host: a.example.com
    http:
      paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: robot}
`;
      await ok(api.k, ['create', '-f', '-'], manifests);
      assert.match(await ok(api.k, ['get', 'ds', '-o', 'wide']), /^agent\s+0\s+0\s+0\s+0\s+0\s+kubernetes.io\/os=linux\s+\S+\s+a\s+busybox\s+app=agent$/m);
      assert.match(await ok(api.k, ['get', 'ing']), /^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE\nweb\s+nginx\s+a.example.com\s+80\s+\S+$/m);
      assert.match(await ok(api.k, ['get', 'netpol']), /^NAME\s+POD-SELECTOR\s+AGE\ndeny\s+app=web\s+\S+$/m);
      assert.match(await ok(api.k, ['get', 'sa', 'robot']), /^NAME\s+SECRETS\s+AGE\nrobot\s+0\s+\S+$/m);
    });

    it('auth can-i and auth whoami: the cluster token is the admin (no RBAC)', async () => {
      assert.equal(await ok(api.k, ['auth', 'can-i', 'create', 'deployments', '-n', 'kube-system']), 'yes\n');
      assert.match(await ok(api.k, ['auth', 'can-i', '--list']), /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m);
      assert.match(await ok(api.k, ['auth', 'whoami']), /^Username\s+podnet-admin$/m);
      const stored = await api.client.raw('GET', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews');
      assert.equal(stored.status, 405, 'reviews are create-only, never stored');
    });

    it('create namespace|deployment|service clusterip|service nodeport|configmap|secret generic|ingress', async () => {
      assert.match(await ok(api.k, ['create', 'namespace', 'gen']), /namespace\/gen created/);
      const n = (args: string[]): Promise<string> => ok(api.k, ['-n', 'gen', ...args]);
      assert.match(await n(['create', 'deployment', 'api', '--image=nginx:1.27', '--replicas=2', '--port=8080']), /deployment.apps\/api created/);
      assert.match(await n(['create', 'service', 'clusterip', 'api', '--tcp=80:8080']), /service\/api created/);
      assert.match(await n(['create', 'service', 'nodeport', 'np', '--tcp=8080:80', '--node-port=30080']), /service\/np created/);
      assert.match(await n(['create', 'configmap', 'cfg', '--from-literal=a=b', '--from-literal=c=d']), /configmap\/cfg created/);
      assert.match(await n(['create', 'secret', 'generic', 'sec', '--from-literal=p=q']), /secret\/sec created/);
      assert.match(await n(['create', 'ingress', 'ing', '--class=nginx', '--rule=foo.com/bar*=api:80,tls=cert', '--rule=bar.com/=api:http']), /ingress.networking.k8s.io\/ing created/);
      const ing = await api.client.get<Ingress>('ingresses', 'gen', 'ing');
      assert.equal(ing.spec?.ingressClassName, 'nginx');
      assert.deepEqual(ing.spec?.tls, [{ hosts: ['foo.com'], secretName: 'cert' }]);
      assert.deepEqual(ing.spec?.rules, [
        { host: 'foo.com', http: { paths: [{ path: '/bar', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 80 } } } }] } },
        { host: 'bar.com', http: { paths: [{ path: '/', pathType: 'Exact', backend: { service: { name: 'api', port: { name: 'http' } } } }] } },
      ]);
      const d = await api.client.get<Deployment>('deployments', 'gen', 'api');
      assert.equal(d.spec?.replicas, 2);
      assert.deepEqual(d.spec?.selector, { matchLabels: { app: 'api' } });
      assert.deepEqual(d.spec?.template?.spec?.containers[0].ports, [{ containerPort: 8080, protocol: 'TCP' }]);
      const svc = await api.client.get<Service>('services', 'gen', 'api');
      assert.deepEqual(svc.spec?.ports, [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }]);
      assert.equal(svc.spec?.type, 'ClusterIP');
      const np = await api.client.get<Service>('services', 'gen', 'np');
      assert.equal(np.spec?.type, 'NodePort');
      assert.deepEqual(np.spec?.ports, [{ name: '8080-80', port: 8080, protocol: 'TCP', targetPort: 80, nodePort: 30080 }]);
      assert.deepEqual((await api.client.get<ConfigMap>('configmaps', 'gen', 'cfg')).data, { a: 'b', c: 'd' });
      assert.equal(await n(['get', 'secret', 'sec', '-o', 'jsonpath={.type}/{.data.p}']), `Opaque/${Buffer.from('q').toString('base64')}`);
      assert.match(await n(['get', 'secrets']), /^NAME\s+TYPE\s+DATA\s+AGE\nsec\s+Opaque\s+1\s+\S+$/m);
      assert.match(await n(['get', 'svc']), /^np\s+NodePort\s+10\.\S+\s+<none>\s+8080:30080\/TCP\s+\S+$/m);
    });
  });
}
