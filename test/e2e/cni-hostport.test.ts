/**
 * End to end: a pod with a hostPort in a real 1-node cluster (the agent chains podnet's
 * portmap plugin): the outside host reaches it at nodeIP:hostPort and is seen as itself, and
 * deleting the pod closes the port. `podnet down` leaves nothing.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { clusterDown, clusterUp, Kubectl, uniqueName } from '../helpers/cluster.js';

const name = uniqueName('h');
let kubectl: Kubectl;

const fromOutside = (url: string): string =>
  spawnSync('ip', ['netns', 'exec', `${name}-outside`, 'curl', '-s', '--max-time', '3', url], { encoding: 'utf8' }).stdout;

describe('hostPort through portmap, end to end', { timeout: 600_000 }, () => {
  before(() => {
    kubectl = clusterUp(name, ['--nodes', '1']);
  });

  after(() => clusterDown(name));

  it('serves nodeIP:hostPort to the outside host, and stops when the pod goes', () => {
    kubectl.ok(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: hp}
spec:
  containers:
  - {name: web, image: "bootcamp:v1", ports: [{containerPort: 8080, hostPort: 18080}]}
`);
    kubectl.ok(['wait', '--for=condition=Ready', 'pod/hp', '--timeout=90s']);
    const hostIP = kubectl.ok(['get', 'pod', 'hp', '-o', 'jsonpath={.status.hostIP}']).trim();
    assert.equal(hostIP, '172.18.0.11');
    let body = '';
    for (let i = 0; i < 20 && !body; i++) {
      body = fromOutside(`http://${hostIP}:18080/`);
      if (!body) spawnSync('sleep', ['0.5']);
    }
    assert.equal(body, 'Hello Kubernetes bootcamp! | Running on: hp | v=1\n');
    kubectl.ok(['delete', 'pod', 'hp', '--wait=true', '--timeout=60s']);
    assert.equal(fromOutside(`http://${hostIP}:18080/`), '', 'the hostPort is closed once the pod is gone');
  });
});
