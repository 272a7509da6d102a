/**
 * The real kubectl (1.32) against podnet's apiserver, on both store backends: apply (create,
 * then a strategic merge patch), get in every output form, watch, label, scale, describe,
 * delete, and a 422 with the field path.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startApiServer, type ApiServer } from '../../../src/apiserver/server.js';
import { selfSignedCert } from '../../../src/apiserver/tls.js';
import { openStore } from '../../../src/store/index.js';
import { openTestStore, testStoreKind } from '../../helpers/etcd-test-store.js';
import type { Store } from '../../../src/store/store.js';
import { Client } from '../../../src/client/client.js';
import { GarbageCollector } from '../../../src/controllers/garbage-collector.js';
import { type KubectlEnv, kubectl, kubectlEnv, kubectlStream } from '../../helpers/apiserver-kubectl.js';

const manifest = (image: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
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
        ports:
        - containerPort: 80
        env:
        - {name: A, value: "1"}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - name: http
    port: 80
    targetPort: 80
`;

const pod = (name: string, image?: string): string => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: {tier: test}
spec:
  containers:
  - name: main
${image ? `    image: ${image}\n` : ''}`;

async function ok(k: KubectlEnv, args: string[], stdin?: string): Promise<string> {
  const r = await kubectl(k, args, stdin);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

function kubectlSuite(name: string, makeStore: (dir: string) => Promise<Store>, secure: boolean): void {
  describe(`kubectl against the apiserver (${name})`, () => {
    let dir: string;
    let store: Store;
    let server: ApiServer;
    let k: KubectlEnv;
    // As in a cluster, the garbage collector controller finishes cascading deletes (--cascade=foreground).
    let gcClient: Client;
    let gc: GarbageCollector;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'podnet-api-'));
      store = await makeStore(dir);
      // kubectl sends a bearer token only over https, so the token variant serves TLS.
      server = await startApiServer(secure ? { store, port: 0, token: 's3cret', tls: await selfSignedCert() } : { store, port: 0 });
      k = kubectlEnv(server.url, secure ? 's3cret' : undefined);
      gcClient = new Client({ server: `http://127.0.0.1:${server.port}`, token: secure ? 's3cret' : undefined });
      gc = new GarbageCollector(gcClient, { events: false });
      await gc.start();
    });
    after(async () => {
      gc?.stop();
      gcClient?.close();
      await server?.close();
      await store?.close();
      k?.cleanup();
      rmSync(dir, { recursive: true, force: true });
      assert.equal(existsSync(k.home), false, 'no kubectl left writing into its HOME');
    });

    it('the TLS port also answers plain http (podnet components) with the same auth', async () => {
      if (!secure) return;
      const plain = new Client({ server: `http://127.0.0.1:${server.port}`, token: 's3cret' });
      const anon = new Client({ server: `http://127.0.0.1:${server.port}` });
      try {
        assert.equal((await plain.get('namespaces', undefined, 'default')).metadata?.name, 'default');
        assert.equal((await anon.raw('GET', '/api/v1/namespaces')).status, 401);
      } finally {
        plain.close();
        anon.close();
      }
    });

    it('lists the bootstrap namespaces', async () => {
      const out = await ok(k, ['get', 'namespaces']);
      for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.match(out, new RegExp(`^${ns}\\s+Active`, 'm'));
    });

    it('apply creates a Deployment and a Service, get -o json/-o yaml show defaults and a ClusterIP', async () => {
      const out = await ok(k, ['apply', '-f', '-'], manifest('nginx:1.27'));
      assert.match(out, /deployment.apps\/web created/);
      assert.match(out, /service\/web created/);
      const d = JSON.parse(await ok(k, ['get', 'deploy', 'web', '-o', 'json']));
      assert.equal(d.spec.replicas, 2);
      assert.equal(d.metadata.generation, 1);
      assert.equal(d.spec.strategy.rollingUpdate.maxSurge, '25%');
      assert.equal(d.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
      const svc = parseYaml(await ok(k, ['get', 'svc', 'web', '-o', 'yaml']));
      assert.match(svc.spec.clusterIP, /^10\.(9[6-9]|10[0-9]|11[01])\./);
      assert.deepEqual(svc.spec.ports, [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }]);
      assert.equal(svc.spec.type, 'ClusterIP');
    });

    it('apply again with a changed image sends a strategic merge patch that keeps the rest', async () => {
      const out = await ok(k, ['apply', '-f', '-'], manifest('nginx:1.28'));
      assert.match(out, /deployment.apps\/web configured/);
      assert.match(out, /service\/web unchanged/);
      const d = JSON.parse(await ok(k, ['get', 'deploy', 'web', '-o', 'json']));
      assert.equal(d.spec.template.spec.containers.length, 1);
      assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.28');
      assert.deepEqual(d.spec.template.spec.containers[0].env, [{ name: 'A', value: '1' }]);
      assert.equal(d.metadata.generation, 2);
    });

    it('get pods -o wide prints upstream columns', async () => {
      await ok(k, ['apply', '-f', '-'], pod('p1', 'busybox'));
      const out = await ok(k, ['get', 'pods', '-o', 'wide']);
      assert.match(out, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/);
      assert.match(out, /^p1\s+0\/1\s+Pending\s+0\s+\S+\s+<none>\s+<none>/m);
      const all = await ok(k, ['get', 'all']);
      assert.match(all, /service\/web\s+ClusterIP/);
      assert.match(all, /deployment.apps\/web\s+0\/2/);
    });

    it('get pods -w shows a pod created while watching', async () => {
      const w = kubectlStream(k, ['get', 'pods', '-w']);
      try {
        await w.waitFor(/^p1\s/m);
        await ok(k, ['apply', '-f', '-'], pod('p2', 'busybox'));
        await w.waitFor(/^p2\s+0\/1\s+Pending/m);
      } finally {
        await w.stop();
      }
    });

    it('label, get -l and describe', async () => {
      assert.match(await ok(k, ['label', 'pod', 'p1', 'color=blue']), /pod\/p1 labeled/);
      assert.match(await ok(k, ['get', 'pods', '-l', 'color=blue', '-o', 'name']), /^pod\/p1$/m);
      assert.doesNotMatch(await ok(k, ['get', 'pods', '-l', 'color!=blue', '-o', 'name']), /pod\/p1/);
      const d = await ok(k, ['describe', 'pod', 'p1']);
      assert.match(d, /^Name:\s+p1$/m);
      assert.match(d, /color=blue/);
      assert.match(d, /Image:\s+busybox/);
    });

    it('scale deploy', async () => {
      assert.match(await ok(k, ['scale', 'deploy', 'web', '--replicas=5']), /deployment.apps\/web scaled/);
      assert.equal(await ok(k, ['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']), '5');
    });

    it('an invalid manifest gives the 422 message with the field path', async () => {
      const r = await kubectl(k, ['apply', '-f', '-'], pod('bad'));
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Pod "bad" is invalid: spec.containers\[0\].image: Required value/);
      const r2 = await kubectl(k, ['create', '-f', '-'], pod('Bad_Name', 'x'));
      assert.notEqual(r2.code, 0);
      assert.match(r2.stderr, /metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    });

    it('unknown fields: Strict (kubectl default) refuses with the path, warn prints and drops them', async () => {
      const typo = pod('typo', 'busybox').replace('    image: busybox', '    image: busybox\n    imagePulPolicy: Always');
      const strict = await kubectl(k, ['apply', '-f', '-'], typo);
      assert.notEqual(strict.code, 0);
      assert.match(strict.stderr, /Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers\[0\].imagePulPolicy"/);
      const warn = await kubectl(k, ['apply', '--validate=warn', '-f', '-'], typo);
      assert.equal(warn.code, 0, warn.stderr);
      assert.match(warn.stderr, /Warning: unknown field "spec.containers\[0\].imagePulPolicy"/);
      const stored = JSON.parse(await ok(k, ['get', 'pod', 'typo', '-o', 'json']));
      assert.equal(stored.spec.containers[0].imagePulPolicy, undefined);
      // The next apply's patch nulls the field the last-applied annotation still has: accepted.
      assert.match(await ok(k, ['apply', '-f', '-'], pod('typo', 'busybox')), /pod\/typo (configured|unchanged)/);
      await ok(k, ['delete', 'pod', 'typo']);
    });

    it('kubectl create <generator> (protobuf bodies on kubectl 1.32) works', async () => {
      assert.match(await ok(k, ['create', 'namespace', 'gen']), /namespace\/gen created/);
      assert.match(await ok(k, ['-n', 'gen', 'create', 'deployment', 'api', '--image=nginx:1.27', '--replicas=0', '--port=8080']), /deployment.apps\/api created/);
      assert.match(await ok(k, ['-n', 'gen', 'create', 'configmap', 'cfg', '--from-literal=a=b']), /configmap\/cfg created/);
      assert.match(await ok(k, ['-n', 'gen', 'create', 'secret', 'generic', 'sec', '--from-literal=p=q']), /secret\/sec created/);
      assert.match(await ok(k, ['-n', 'gen', 'create', 'service', 'clusterip', 'api', '--tcp=80:8080']), /service\/api created/);
      const d = JSON.parse(await ok(k, ['-n', 'gen', 'get', 'deploy', 'api', '-o', 'json']));
      assert.equal(d.spec.replicas, 0);
      assert.deepEqual(d.spec.selector, { matchLabels: { app: 'api' } });
      assert.deepEqual(d.spec.template.spec.containers[0].ports, [{ containerPort: 8080, protocol: 'TCP' }]);
      assert.equal(await ok(k, ['-n', 'gen', 'get', 'cm', 'cfg', '-o', 'jsonpath={.data.a}']), 'b');
      assert.equal(await ok(k, ['-n', 'gen', 'get', 'secret', 'sec', '-o', 'jsonpath={.data.p}']), Buffer.from('q').toString('base64'));
      const svc = JSON.parse(await ok(k, ['-n', 'gen', 'get', 'svc', 'api', '-o', 'json']));
      assert.deepEqual(svc.spec.ports, [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }]);
      assert.deepEqual(svc.spec.selector, { app: 'api' });
    });

    it('delete removes objects, get then reports NotFound', async () => {
      assert.match(await ok(k, ['delete', 'pod', 'p1', 'p2']), /pod "p1" deleted/);
      const r = await kubectl(k, ['get', 'pod', 'p1']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /pods "p1" not found/);
      await ok(k, ['delete', '--cascade=foreground', '-f', '-'], manifest('nginx:1.28'));
      assert.match((await kubectl(k, ['get', 'svc', 'web'])).stderr, /services "web" not found/);
    });
  });
}

// PODNET_TEST_STORE=etcd runs this variant on a real etcd (test/integration/store/apiserver-etcd.test.ts).
kubectlSuite(`${testStoreKind()} store, https + token`, () => openTestStore(), true);
kubectlSuite('sqlite store, plain http', async (dir) => openStore({ kind: 'sqlite', path: join(dir, 'state.db') }), false);
