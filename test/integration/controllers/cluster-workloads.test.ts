/**
 * The workload controllers in a real podnet cluster (`podnet up`, 2 nodes, real agents running
 * real containers in pod namespaces), driven by the real kubectl: a DaemonSet puts a serving pod
 * on each node and rolls it; ReplicationController + `kubectl expose rc` (seed 004) serves
 * through its Service; kubectl's default (Background) delete removes a Deployment's ReplicaSets
 * and pods. Traffic stays inside the cluster's own namespaces.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { clusterDown, clusterUp, Kubectl, uniqueName } from '../../helpers/cluster.js';

const name = uniqueName('w');
let k: Kubectl;

/**
 * An HTTP GET from inside node1's namespace (never from the host's), retried for a few seconds
 * until the body matches: a pod without a readiness probe is Ready once its container started,
 * maybe before the server listens (as with a kubelet).
 */
function curlFromNode(url: string, want: RegExp): string {
  let out = '';
  for (let i = 0; i < 25; i++) {
    const r = spawnSync('ip', ['netns', 'exec', `${name}-node1`, 'curl', '-sS', '-m', '5', url], { encoding: 'utf8' });
    out = `${r.stdout}${r.stderr}`;
    if (want.test(out)) break;
    spawnSync('sleep', ['0.2']);
  }
  return out;
}

const podsOf = (selector: string) =>
  JSON.parse(k.ok(['get', 'pods', '-l', selector, '-o', 'json'])).items as { metadata: { name: string; deletionTimestamp?: string }; spec: { nodeName?: string; containers: { image: string }[] }; status: { podIP?: string } }[];

/** Background deletion returns at once: the GC and the agents finish the pods shortly after. */
function waitPodsGone(selector: string): void {
  for (let i = 0; i < 150 && podsOf(selector).length > 0; i++) spawnSync('sleep', ['0.2']);
  assert.deepEqual(podsOf(selector).map((p) => p.metadata.name), [], `pods ${selector} gone`);
}

describe('workload controllers in a real cluster', { timeout: 300_000 }, () => {
  before(() => {
    k = clusterUp(name, ['--nodes', '2']);
    k.ok(['wait', '--for=condition=Ready', 'node/node1', 'node/node2', '--timeout=60s']);
  });

  after(() => clusterDown(name));

  it('a DaemonSet serves from every node and rolls out a new image node by node', () => {
    const manifest = (image: string) => `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: edge}
spec:
  selector: {matchLabels: {app: edge}}
  template:
    metadata: {labels: {app: edge}}
    spec:
      containers: [{name: web, image: ${image}, ports: [{containerPort: 80}]}]
`;
    k.ok(['apply', '-f', '-'], manifest('nginx'));
    assert.match(k.ok(['rollout', 'status', 'ds/edge', '--timeout=90s']), /daemon set "edge" successfully rolled out/);
    const pods = podsOf('app=edge');
    assert.deepEqual(pods.map((p) => p.spec.nodeName).sort(), ['node1', 'node2']);
    for (const p of pods) assert.match(curlFromNode(`http://${p.status.podIP}/`, /Welcome to nginx/), /Welcome to nginx/);
    k.ok(['apply', '-f', '-'], manifest('httpd'));
    assert.match(k.ok(['rollout', 'status', 'ds/edge', '--timeout=120s']), /daemon set "edge" successfully rolled out/);
    const rolled = podsOf('app=edge').filter((p) => !p.metadata.deletionTimestamp);
    assert.deepEqual(rolled.map((p) => p.spec.nodeName).sort(), ['node1', 'node2']);
    for (const p of rolled) assert.match(curlFromNode(`http://${p.status.podIP}/`, /It works!/), /It works!/);
    assert.match(k.ok(['get', 'ds', 'edge']), /\nedge\s+2\s+2\s+2\s+2\s+2\s+<none>/);
    k.ok(['delete', 'ds', 'edge', '--timeout=90s']);
    waitPodsGone('app=edge');
  });

  it('seed 004: an RC exposed with kubectl expose rc serves through its Service', () => {
    k.ok(['apply', '-f', '-'], `apiVersion: v1
kind: ReplicationController
metadata: {name: hdls}
spec:
  replicas: 2
  template:
    metadata: {labels: {app: hdls}}
    spec:
      containers: [{name: web, image: httpd, ports: [{containerPort: 80}]}]
`);
    k.ok(['wait', '--for=condition=Ready', 'pod', '-l', 'app=hdls', '--timeout=90s']);
    assert.match(k.ok(['expose', 'rc', 'hdls']), /service\/hdls exposed/);
    const slices = k.ok(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=hdls', '-o', 'jsonpath={.items[*].endpoints[*].addresses[0]}']);
    assert.equal(slices.trim().split(/\s+/).length, 2);
    assert.match(k.ok(['get', 'rc', 'hdls']), /\nhdls\s+2\s+2\s+2\s/);
    // From a pod, by the Service's DNS name (cluster DNS, then the proxy's DNAT to a pod).
    const [client] = podsOf('app=hdls');
    let body = '';
    for (let i = 0; i < 25 && !/It works!/.test(body); i++) {
      body = k.run(['exec', client.metadata.name, '--', 'curl', '-sS', '-m', '3', 'http://hdls/']).stdout;
      if (!/It works!/.test(body)) spawnSync('sleep', ['0.2']);
    }
    assert.match(body, /It works!/);
    k.ok(['delete', 'rc', 'hdls', '--timeout=90s']);
    waitPodsGone('app=hdls');
  });

  it("kubectl delete deployment (Background, kubectl's default) removes its ReplicaSets and pods", () => {
    k.ok(['create', 'deployment', 'gone', '--image=httpd', '--replicas=3']);
    assert.match(k.ok(['rollout', 'status', 'deployment/gone', '--timeout=90s']), /successfully rolled out/);
    k.ok(['delete', 'deployment', 'gone', '--timeout=90s']);
    waitPodsGone('app=gone');
    assert.equal(k.ok(['get', 'rs', '-l', 'app=gone', '-o', 'name']).trim(), '');
  });
});
