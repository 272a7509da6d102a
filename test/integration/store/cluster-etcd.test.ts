/**
 * A whole cluster on an external etcd, as `k3s server --datastore-endpoint`: `podnet up
 * --datastore-endpoint` records it in cluster.json, the control plane keeps every object in etcd
 * under /podnet/<cluster>/, kubectl sees Ready nodes and a running pod, a second cluster on the
 * same etcd sees only its own objects, and `podnet down` removes everything on this host while
 * the external datastore keeps its keys.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { Kubectl, leftovers, podnet, uniqueName } from '../../helpers/cluster.js';
import { startEtcd, type EtcdServer } from '../../helpers/etcd.js';
import { clusterRoot } from '../../../src/cluster/config.js';

const name = uniqueName('d');
const other = uniqueName('d');

describe('podnet up --datastore-endpoint (external etcd)', { timeout: 400_000 }, () => {
  let etcd: EtcdServer;
  let raw: Etcd3;
  let kubectl: Kubectl;

  before(async () => {
    etcd = await startEtcd();
    raw = new Etcd3({ hosts: etcd.endpoint });
  });

  after(async () => {
    podnet(['down', '--name', name]);
    podnet(['down', '--name', other]);
    raw?.close();
    await etcd?.stop();
    assert.deepEqual([...leftovers(name), ...leftovers(other)], [], 'podnet down left things behind');
  });

  it('refuses an endpoint that is not an etcd client URL, naming the flag', () => {
    const r = podnet(['up', '--name', name, '--datastore-endpoint', 'postgres://db:5432/k3s']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--datastore-endpoint: Invalid value "postgres:\/\/db:5432\/k3s"/);
    assert.deepEqual(leftovers(name), [], 'nothing is built for a bad flag');
  });

  it('fails before building anything when the etcd cannot be reached', () => {
    const r = podnet(['up', '--name', name, '--datastore-endpoint', 'http://127.0.0.1:1']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Cannot reach etcd at http:\/\/127\.0\.0\.1:1/);
    assert.deepEqual(leftovers(name), []);
  });

  it('starts a cluster whose objects live in etcd under /podnet/<cluster>/', async () => {
    const r = podnet(['up', '--name', name, '--nodes', '1', '--datastore-endpoint', etcd.endpoint]);
    assert.equal(r.status, 0, `podnet up failed:\n${r.stdout}\n${r.stderr}`);
    const cfg = JSON.parse(readFileSync(join(clusterRoot(name), 'cluster.json'), 'utf8')) as { datastoreEndpoint?: string };
    assert.equal(cfg.datastoreEndpoint, etcd.endpoint);
    kubectl = new Kubectl(podnet(['kubeconfig', '--name', name]).stdout);
    assert.equal(kubectl.ok(['get', 'nodes', '-o', 'name']).trim(), 'node/node1');
    assert.ok(await raw.get(`/podnet/${name}/registry/nodes/node1`).string(), 'the Node is a key in etcd');
    assert.match(podnet(['status', '--name', name]).stdout, new RegExp(`datastore\\s+etcd ${etcd.endpoint}`));
  });

  it('runs a pod', async () => {
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: sleeper}\nspec:\n  containers:\n  - {name: c, image: busybox, command: [sleep, infinity]}\n';
    kubectl.ok(['apply', '-f', '-'], pod);
    kubectl.ok(['wait', '--for=condition=Ready', 'pod/sleeper', '--timeout=90s']);
    const ip = kubectl.ok(['get', 'pod', 'sleeper', '-o', 'jsonpath={.status.podIP}']).trim();
    assert.match(ip, /^10\.244\.0\.\d+$/);
    const stored = JSON.parse((await raw.get(`/podnet/${name}/registry/pods/default/sleeper`).string())!) as { status?: { podIP?: string } };
    assert.equal(stored.status?.podIP, ip, 'the status the agent wrote is in etcd');
  });

  it('a second cluster on the same etcd sees only its own objects', async () => {
    const r = podnet(['up', '--name', other, '--nodes', '1', '--datastore-endpoint', etcd.endpoint]);
    assert.equal(r.status, 0, `podnet up failed:\n${r.stdout}\n${r.stderr}`);
    const k2 = new Kubectl(podnet(['kubeconfig', '--name', other]).stdout);
    kubectl.ok(['create', 'configmap', 'only-in-first', '--from-literal=a=1']);
    assert.match(k2.run(['get', 'configmap', 'only-in-first']).stderr, /configmaps "only-in-first" not found/);
    assert.equal(k2.ok(['get', 'pods', '-o', 'name']).trim(), '', 'the first cluster\'s pod is not in the second');
    const uid = (k: Kubectl) => k.ok(['get', 'node', 'node1', '-o', 'jsonpath={.metadata.uid}']);
    assert.notEqual(uid(kubectl), uid(k2), 'each cluster has its own node1');
    assert.equal(podnet(['down', '--name', other]).status, 0);
    assert.deepEqual(leftovers(other), []);
  });

  it('podnet down removes the cluster from this host and leaves the external datastore its keys', async () => {
    const r = podnet(['down', '--name', name]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(leftovers(name), []);
    const keys = await raw.getAll().prefix(`/podnet/${name}/registry/`).keys();
    assert.ok(keys.length > 10, `the cluster's keys stay in etcd (k3s leaves an external datastore alone): ${keys.length}`);
  });
});
