/**
 * End to end in kube-proxy's iptables mode: `podnet up --proxy-mode iptables`, then seed 002's
 * web application reached by its Service name from a pod on the other node (cluster DNS goes
 * through the iptables rules too), and by a NodePort from the host outside the cluster.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Kubectl, leftovers, podnet, REPO, uniqueName } from '../helpers/cluster.js';

const name = uniqueName('i');
const examples = join(REPO, 'examples', 'web');
let kubectl: Kubectl;

function exec(args: string[]): string {
  const r = podnet(['exec', '--name', name, ...args], 60_000);
  assert.equal(r.status, 0, `podnet exec ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Polls until `args` succeeds (a new endpoint is programmed within the proxy's sync period). */
function untilOk(args: string[]): void {
  for (let i = 0; i < 40; i++) {
    if (podnet(['exec', '--name', name, ...args], 10_000).status === 0) return;
    spawnSync('sleep', ['0.25']);
  }
}

describe('a cluster in iptables proxy mode, end to end', { timeout: 600_000 }, () => {
  let webPod = '';

  before(() => {
    const r = podnet(['up', '--name', name, '--nodes', '2', '--proxy-mode', 'iptables']);
    assert.equal(r.status, 0, `podnet up failed:\n${r.stdout}\n${r.stderr}`);
    const kc = podnet(['kubeconfig', '--name', name]);
    assert.equal(kc.status, 0, kc.stderr);
    kubectl = new Kubectl(kc.stdout);
  });

  after(() => {
    const r = podnet(['down', '--name', name]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(leftovers(name), [], 'podnet down left things behind');
  });

  it('records the mode, and every node has iptables rules instead of the nftables table', () => {
    assert.match(podnet(['status', '--name', name]).stdout, /proxy\s+iptables mode/);
    for (const node of ['node1', 'node2']) {
      const nat = exec(['--node', node, '--', 'iptables-save', '-t', 'nat']);
      // The well-known chain names of kube-dns:dns/udp and kubernetes:https on real clusters.
      assert.match(nat, /^:KUBE-SVC-TCOU7JCQXEZGVUNU /m);
      assert.match(nat, /^:KUBE-SVC-NPX46M4PTMTKRN6Y /m);
      assert.doesNotMatch(exec(['--node', node, '--', 'nft', 'list', 'tables']), /kube-proxy/);
    }
  });

  it('answers through the Service DNS name from a pod on the other node', () => {
    kubectl.ok(['apply', '-f', join(examples, 'deployment.yaml')]);
    kubectl.ok(['apply', '-f', join(examples, 'service.yaml')]);
    kubectl.ok(['wait', '--for=condition=Ready', 'pod', '-l', 'app=web_server', '--timeout=90s']);
    const pod = JSON.parse(kubectl.ok(['get', 'pods', '-l', 'app=web_server', '-o', 'json'])).items[0];
    webPod = pod.metadata.name;
    const otherNode = pod.spec.nodeName === 'node1' ? 'node2' : 'node1';
    kubectl.ok(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  nodeName: ${otherNode}
  containers:
  - {name: client, image: busybox, command: [sleep, infinity]}
`);
    kubectl.ok(['wait', '--for=condition=Ready', 'pod/client', '--timeout=60s']);
    untilOk(['client', '--', 'curl', '-s', '--max-time', '2', 'http://web.default.svc.cluster.local/']);
    assert.equal(exec(['client', '--', 'curl', '-sS', '--max-time', '10', 'http://web.default.svc.cluster.local/']),
      '<html><body><h1>It works!</h1></body></html>\n');
    assert.equal(exec(['client', '--', 'curl', '-sS', '--max-time', '10', 'http://web:8080/']),
      `Hello Kubernetes bootcamp! | Running on: ${webPod} | v=1\n`);
  });

  it('serves a NodePort on both nodes to the host outside the cluster', () => {
    kubectl.ok(['patch', 'service', 'web', '-p', '{"spec":{"type":"NodePort"}}']);
    const nodePort = kubectl.ok(['get', 'svc', 'web', '-o', 'jsonpath={.spec.ports[0].nodePort}']).trim();
    assert.match(nodePort, /^3\d{4}$/);
    for (const ip of ['172.18.0.11', '172.18.0.12']) {
      untilOk(['--outside', '--', 'curl', '-s', '--max-time', '2', `http://${ip}:${nodePort}/`]);
      assert.equal(exec(['--outside', '--', 'curl', '-sS', '--max-time', '10', `http://${ip}:${nodePort}/`]),
        '<html><body><h1>It works!</h1></body></html>\n');
    }
  });
});
