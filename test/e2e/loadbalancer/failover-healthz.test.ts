/**
 * End to end on a real 2-node cluster (`podnet up`): a LoadBalancer address fails over to the
 * other node when its holder is excluded from load balancers, the outside host's neighbour entry
 * moves at once (gratuitous ARP) and curl keeps working; kube-proxy's /healthz and /livez answer
 * on :10256 of every node, and /healthz fails on a node tainted ToBeDeletedByClusterAutoscaler;
 * a node agent that crashed and comes back in another proxy mode leaves only the new mode's rules.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { loadClusterConfig, saveClusterConfig } from '../../../src/cluster/config.js';
import { isAlive, readPid, spawnPodnet } from '../../../src/cluster/processes.js';
import { clusterDown, clusterUp, Kubectl, uniqueName, type RunResult } from '../../helpers/cluster.js';
import { eventually } from '../../helpers/eventually.js';

const name = uniqueName('l');
const NODE_IPS: Record<string, string> = { node1: '172.18.0.11', node2: '172.18.0.12' };
const MANIFESTS = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: registry.k8s.io/e2e-test-images/agnhost:2.53, args: [netexec, --http-port=8080]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web-lb}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
`;

function onHost(machine: string, cmd: string): RunResult {
  const r = spawnSync('ip', ['netns', 'exec', `${name}-${machine}`, 'sh', '-c', cmd], { encoding: 'utf8', timeout: 15_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
const holds = (node: string, ip: string) => onHost(node, 'ip -4 -br addr show eth0').stdout.includes(` ${ip}/32`);
const macOf = (node: string) => onHost(node, 'cat /sys/class/net/eth0/address').stdout.trim();
const neighMac = (ip: string) => /lladdr (\S+)/.exec(onHost('outside', `ip neigh show ${ip}`).stdout)?.[1];
const curlOut = (url: string) => onHost('outside', `curl -sS --max-time 2 ${url}`);

describe('LoadBalancer failover and proxy healthz on a real cluster', { timeout: 170_000 }, () => {
  let kubectl: Kubectl;
  before(() => {
    kubectl = clusterUp(name, ['--nodes', '2', '--lb-pool', '172.18.0.240-172.18.0.241']);
    kubectl.ok(['apply', '-f', '-'], MANIFESTS);
    kubectl.ok(['wait', '--for=condition=Ready', 'pod', '--all', '--timeout=90s']);
  });
  after(() => clusterDown(name));

  it('moves the address to the other node with gratuitous ARP; curl from outside keeps working', async () => {
    const lbIP = await eventually('LB ingress', () => kubectl.ok(['get', 'svc', 'web-lb', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}']).trim() || undefined, 30_000);
    const holder = await eventually('one node holds the address', () => ['node1', 'node2'].find((n) => holds(n, lbIP)), 20_000);
    const other = holder === 'node1' ? 'node2' : 'node1';
    await eventually('curl from outside', () => curlOut(`http://${lbIP}/hostname`).status === 0, 20_000, 200);
    assert.equal(neighMac(lbIP), macOf(holder), 'the outside host resolved the address to the holder');
    assert.equal(holds(other, lbIP), false, 'exactly one node answers');
    await new Promise((r) => setTimeout(r, 1200)); // past the outside host's neighbour locktime

    const t0 = Date.now();
    kubectl.ok(['label', 'node', holder, 'node.kubernetes.io/exclude-from-external-load-balancers=true']);
    // No traffic meanwhile: only a gratuitous ARP from the new holder can move the entry.
    await eventually('outside neighbour entry moves', () => neighMac(lbIP) === macOf(other), 10_000, 50);
    const moveMs = Date.now() - t0;
    console.log(`# failover on a real cluster: neighbour entry moved ${moveMs} ms after kubectl label`);
    await eventually('the old holder gives the address up', () => !holds(holder, lbIP), 10_000);
    assert.equal(holds(other, lbIP), true);
    const out = curlOut(`http://${lbIP}/hostname`);
    assert.equal(out.status, 0, `curl after failover: ${out.stderr}`);
    assert.match(out.stdout, /^web-/);
    kubectl.ok(['label', 'node', holder, 'node.kubernetes.io/exclude-from-external-load-balancers-']);
  });

  it('serves kube-proxy\'s /healthz and /livez on :10256 of every node; a node tainted for deletion fails /healthz', async () => {
    for (const [node, ip] of Object.entries(NODE_IPS)) {
      const r = await eventually(`healthz of ${node}`, () => { const x = onHost('outside', `curl -sS -i --max-time 2 http://${ip}:10256/healthz`); return x.status === 0 && x; }, 20_000, 200);
      assert.match(r.stdout, /^HTTP\/1\.1 200 OK/, `${node}: ${r.stdout}`);
      const body = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body), ['lastUpdated', 'currentTime', 'nodeEligible']);
      assert.equal(body.nodeEligible, true);
      assert.match(onHost('outside', `curl -sS -i --max-time 2 http://${ip}:10256/livez`).stdout, /^HTTP\/1\.1 200 OK/);
    }
    kubectl.ok(['taint', 'node', 'node1', 'ToBeDeletedByClusterAutoscaler=1764000000:NoSchedule']);
    const sick = await eventually('node1 /healthz 503', () => { const x = curlOut('-i http://172.18.0.11:10256/healthz'); return /^HTTP\/1\.1 503/.test(x.stdout) && x; }, 20_000, 200);
    assert.equal(JSON.parse(sick.stdout.slice(sick.stdout.indexOf('{'))).nodeEligible, false);
    assert.match(curlOut('-i http://172.18.0.11:10256/livez').stdout, /^HTTP\/1\.1 200 OK/, '/livez ignores the node');
    assert.match(curlOut('-i http://172.18.0.12:10256/healthz').stdout, /^HTTP\/1\.1 200 OK/, 'node2 is unaffected');
    kubectl.ok(['taint', 'node', 'node1', 'ToBeDeletedByClusterAutoscaler-']);
  });

  it('a node agent that crashed and restarts in iptables mode removes the nftables table; the node keeps serving', async () => {
    const nodePort = kubectl.ok(['get', 'svc', 'web-lb', '-o', 'jsonpath={.spec.ports[0].nodePort}']).trim();
    const cfg = loadClusterConfig(name);
    const pid = readPid(cfg.root, 'agent-node2');
    assert.ok(pid && isAlive(pid), 'agent-node2 runs');
    assert.equal(onHost('node2', 'nft list table ip kube-proxy').status, 0, 'nftables mode wrote its table');
    // A crash: nothing gets to clean up; the table stays behind.
    process.kill(pid, 'SIGKILL');
    await eventually('agent-node2 gone', () => !isAlive(pid));
    saveClusterConfig({ ...cfg, proxyMode: 'iptables' });
    spawnPodnet(cfg.root, { name: 'agent-node2', args: ['agent', '--name', name, '--node', 'node2'] });
    await eventually('iptables rules on node2', () => /KUBE-SVC-/.test(onHost('node2', 'iptables-save -t nat').stdout), 30_000, 200);
    assert.notEqual(onHost('node2', 'nft list table ip kube-proxy').status, 0, 'the nftables table is gone');
    assert.doesNotMatch(onHost('node1', 'iptables-save -t nat').stdout, /KUBE-/, 'node1 (untouched) stays in nftables mode');
    const out = await eventually('NodePort on node2 from outside', () => { const r = curlOut(`http://172.18.0.12:${nodePort}/hostname`); return r.status === 0 && r.stdout; }, 20_000, 200);
    assert.match(out, /^web-/);
    assert.match(curlOut('-i http://172.18.0.12:10256/healthz').stdout, /^HTTP\/1\.1 200 OK/, 'healthz in the new mode');
  });
});
