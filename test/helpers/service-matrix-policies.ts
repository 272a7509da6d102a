/**
 * The Service matrix's policies: where the proxy masquerades (pod, node, outside host, hairpin,
 * across nodes), externalTrafficPolicy Local, internalTrafficPolicy Local and
 * loadBalancerSourceRanges. netexec's /clientip shows the source the server saw.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from './eventually.js';
import { curl, NODE_IPS, OUTSIDE_IP, sourceOf, succeeds, type MatrixCluster } from './service-matrix-cluster.js';
import { EXTERNAL_IP } from './service-matrix-manifests.js';
import type { ModeExpectations } from './service-matrix.js';

/** A dropped connection: curl gives up after its --max-time (exit 28) instead of being refused. */
function assertDropped(r: { status: number | null; stdout: string; stderr: string }, what: string): void {
  assert.equal(r.status, 28, `${what} should be dropped (curl timeout, exit 28), got exit ${r.status}: ${r.stdout}${r.stderr}`);
}

function masqueradeTests(c: MatrixCluster, expect: ModeExpectations): void {
  it(`pod → ClusterIP: the server sees ${expect.podSource === 'pod' ? 'the pod IP (no masquerade)' : 'the client\'s node'}`, async () => {
    for (const [client, node] of [['client1', 'node1'], ['client2', 'node2']]) {
      const seen = sourceOf(await succeeds(`clientip from ${client}`, () => c.inPod(client, curl('http://echo/clientip'))));
      if (expect.podSource === 'pod') assert.equal(seen, c.podIP(client), `${client}'s own IP should reach the server`);
      else assert.ok(c.addresses(node).includes(seen), `${client}: expected an address of ${node} (${c.addresses(node)}), saw ${seen}`);
    }
  });

  it('across nodes: a pod reaches a Service whose only endpoint is on the other node', async () => {
    const out = await succeeds('across from client1', () => c.inPod('client1', curl('http://across/hostname')));
    assert.equal(out.trim(), 'local-web', 'the endpoint on node2 should answer client1 on node1');
    const seen = sourceOf(c.inPod('client1', curl('http://across/clientip')).stdout);
    const want = expect.podSource === 'pod' ? [c.podIP('client1')] : c.addresses('node1');
    assert.ok(want.includes(seen), `across nodes the server should see ${want.join(' or ')}, saw ${seen}`);
  });

  it('node → ClusterIP (nat output): masqueraded to an address of that node', async () => {
    const ip = c.clusterIP('echo');
    for (const node of ['node1', 'node2']) {
      const seen = sourceOf(await succeeds(`echo from ${node}`, () => c.onHost(node, curl(`http://${ip}/clientip`))));
      assert.match(seen, /^10\.244\.\d+\.\d+$/, `${node}: the server should see a pod-network address of the node, saw ${seen}`);
      assert.ok(c.addresses(node).includes(seen), `${node}: ${seen} should be one of the node's addresses ${c.addresses(node)}`);
    }
  });

  it('outside → NodePort, LoadBalancer IP, externalIP (externalTrafficPolicy Cluster): masqueraded to an address of the receiving node', async () => {
    const port = c.nodePort('echo-np');
    for (const [node, nodeIP] of Object.entries(NODE_IPS)) {
      for (let i = 0; i < 3; i++) {
        const seen = sourceOf(await succeeds(`clientip via ${node}`, () => c.onHost('outside', curl(`http://${nodeIP}:${port}/clientip`))));
        assert.ok(c.addresses(node).includes(seen), `via ${node}: expected one of ${node}'s addresses ${c.addresses(node)}, saw ${seen} (not the outside host)`);
      }
    }
    // The LB IP lands on whichever node announces it; the externalIP is routed to node1.
    const lbIP = await c.lbIP('echo-lb');
    const node = await eventually(`the node holding ${lbIP}`, () =>
      Object.keys(NODE_IPS).find((n) => c.onHost(n, 'ip -4 -br addr show eth0').stdout.includes(` ${lbIP}/32`)), 20_000, 200);
    c.onHost('outside', `ip route replace ${EXTERNAL_IP}/32 via ${NODE_IPS.node1}`);
    const viaLB = sourceOf(await succeeds('clientip via the LB IP', () => c.onHost('outside', curl(`http://${lbIP}/clientip`))));
    assert.ok(c.addresses(node).includes(viaLB), `via the LB IP (held by ${node}): expected one of ${c.addresses(node)}, saw ${viaLB}`);
    const viaEIP = sourceOf(await succeeds('clientip via the externalIP', () => c.onHost('outside', curl(`http://${EXTERNAL_IP}/clientip`))));
    assert.ok(c.addresses('node1').includes(viaEIP), `via the externalIP (routed to node1): expected one of ${c.addresses('node1')}, saw ${viaEIP}`);
  });

  it('pod → LoadBalancer IP and externalIP (externalTrafficPolicy Cluster): served on the pod\'s node, masqueraded', async () => {
    const lbIP = await c.lbIP('echo-lb');
    for (const [client, node] of [['client1', 'node1'], ['client2', 'node2']]) {
      for (const ip of [lbIP, EXTERNAL_IP]) {
        const seen = sourceOf(await succeeds(`${ip} from ${client}`, () => c.inPod(client, curl(`http://${ip}/clientip`))));
        assert.ok(c.addresses(node).includes(seen), `${client} → ${ip}: expected an address of ${node} (${c.addresses(node)}), saw ${seen}`);
      }
    }
  });

  it('hairpin: a pod reaching itself through its own Service is masqueraded', async () => {
    const podIP = c.podIP('local-web');
    const seen = sourceOf(await succeeds('hairpin', () => c.inPod('local-web', curl(`http://${c.clusterIP('across')}/clientip`))));
    assert.notEqual(seen, podIP, 'hairpin traffic must be masqueraded, or the reply would bypass the DNAT');
    assert.match(seen, /^10\.244\.\d+\.1$/, `masqueraded to the node's bridge address, saw ${seen}`);
  });
}

function externalPolicyTests(c: MatrixCluster, expect: ModeExpectations): void {
  it(`externalTrafficPolicy Local (${expect.externalTrafficPolicyLocal ? 'honoured' : 'ignored'}): announcing node, client IP, NodePort elsewhere, health checks`, async () => {
    const lbIP = await c.lbIP('local-lb');
    // local-web runs on node2 only: node2 must hold the address, node1 must not (the speaker's job, every mode).
    await succeeds('node2 announces', () => c.onHost('node2', `ip -4 -br addr show eth0 | grep -q ' ${lbIP}/32'`));
    assert.doesNotMatch(c.onHost('node1', 'ip -4 -br addr show eth0').stdout, new RegExp(` ${lbIP}/32`), 'node1 has no endpoint and must not announce');
    const seen = sourceOf(await succeeds('local-lb from outside', () => c.onHost('outside', curl(`http://${lbIP}/clientip`))));
    const port = c.nodePort('local-lb');
    const viaNode1 = c.onHost('outside', curl(`http://${NODE_IPS.node1}:${port}/hostname`));
    if (expect.externalTrafficPolicyLocal) {
      assert.equal(seen, OUTSIDE_IP, 'the server must see the outside host\'s own address');
      assertDropped(viaNode1, 'the NodePort of node1 (no local endpoint)');
    } else {
      assert.ok(c.addresses('node2').includes(seen), `the server should see node2 (${c.addresses('node2')}), saw ${seen}`);
      assert.equal(viaNode1.status, 0, `node1's NodePort should serve anyway: ${viaNode1.stderr}`);
      assert.equal(viaNode1.stdout.trim(), 'local-web', 'node1\'s NodePort should reach local-web');
    }
    const hc = c.get(['svc', 'local-lb', '-o', 'jsonpath={.spec.healthCheckNodePort}']);
    assert.ok(Number(hc) >= 30000, `healthCheckNodePort ${hc} should be allocated`);
    const healthy = await succeeds('health check on node2', () => c.onHost('outside', `curl -sS -i --max-time 2 http://${NODE_IPS.node2}:${hc}/healthz`));
    assert.match(healthy, /^HTTP\/1\.1 200 OK/, 'node2 has a local endpoint: 200');
    assert.match(healthy, /X-Load-Balancing-Endpoint-Weight: 1/i, 'the weight header counts one local endpoint');
    const body = (s: string) => JSON.parse(s.slice(s.indexOf('{')));
    assert.deepEqual(body(healthy), { service: { namespace: 'default', name: 'local-lb' }, localEndpoints: 1, serviceProxyHealthy: true }, 'kube-proxy\'s health check body');
    const sick = c.onHost('outside', `curl -sS -i --max-time 2 http://${NODE_IPS.node1}:${hc}/`);
    assert.match(sick.stdout, /^HTTP\/1\.1 503 Service Unavailable/, 'node1 has no local endpoint: 503');
    assert.equal(body(sick.stdout).localEndpoints, 0, 'node1 counts no local endpoint');
  });

  it(`internalTrafficPolicy Local (${expect.internalTrafficPolicyLocal ? 'honoured' : 'ignored'}): only a pod on the endpoint's node gets through`, async () => {
    const out = await succeeds('itp-local from client2', () => c.inPod('client2', curl('http://itp-local/hostname')));
    assert.equal(out.trim(), 'local-web', 'client2 shares node2 with the endpoint');
    // The same endpoint through a Cluster-policy Service: node1 can reach it, only the policy stops it.
    await succeeds('across from client1', () => c.inPod('client1', curl('http://across/hostname')));
    const r = c.inPod('client1', curl(`http://${c.clusterIP('itp-local')}/hostname`));
    if (expect.internalTrafficPolicyLocal) assertDropped(r, 'itp-local from node1 (no local endpoint)');
    else assert.equal(r.stdout.trim(), 'local-web', `client1 should reach local-web anyway: exit ${r.status} ${r.stderr}`);
  });

  it(`loadBalancerSourceRanges (${expect.loadBalancerSourceRanges ? 'enforced' : 'ignored'}): the allowed outside host passes; a pod ${expect.loadBalancerSourceRanges ? 'is dropped before DNAT' : 'passes too'}`, async () => {
    const lbIP = await c.lbIP('fw-lb');
    assert.match(await succeeds('fw-lb from outside', () => c.onHost('outside', curl(`http://${lbIP}/hostname`))), /^echo-/, 'the allowed outside host should reach an echo pod');
    const r = c.inPod('client1', curl(`http://${lbIP}/hostname`));
    if (expect.loadBalancerSourceRanges) assertDropped(r, 'a source outside loadBalancerSourceRanges');
    else assert.match(r.stdout, /^echo-/, `the pod should pass: exit ${r.status} ${r.stderr}`);
  });
}

export function policyTests(c: MatrixCluster, expect: ModeExpectations): void {
  masqueradeTests(c, expect);
  externalPolicyTests(c, expect);
}

export { assertDropped };
