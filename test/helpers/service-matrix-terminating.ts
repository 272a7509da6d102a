/**
 * The Service matrix's terminating endpoints (KEP-1669, pkg/proxy/topology.go): term-a (node2)
 * ignores SIGTERM and keeps serving through its grace period; term-b (node1) is ready.
 * kube-proxy's rule: Cluster policy uses serving-and-terminating endpoints only when no endpoint
 * is ready anywhere; Local policy (externalTrafficPolicy / internalTrafficPolicy) uses a node's
 * local serving-and-terminating endpoints when that node has no local ready one, whatever is
 * ready elsewhere.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from './eventually.js';
import { answers, curl, curlTimes, NODE_IPS, OUTSIDE_IP, sourceOf, succeeds, type MatrixCluster } from './service-matrix-cluster.js';
import { assertDropped } from './service-matrix-policies.js';
import type { ModeExpectations } from './service-matrix.js';

interface SliceEndpoint {
  targetRef?: { name?: string };
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
}

/** The endpoints of `svc`'s EndpointSlices by pod name. */
function sliceEndpoints(c: MatrixCluster, svc: string): Map<string, SliceEndpoint['conditions']> {
  const list = JSON.parse(c.kubectl.ok(['get', 'endpointslices', '-l', `kubernetes.io/service-name=${svc}`, '-o', 'json']));
  const out = new Map<string, SliceEndpoint['conditions']>();
  for (const s of list.items) for (const e of (s.endpoints ?? []) as SliceEndpoint[]) out.set(e.targetRef?.name ?? '?', e.conditions);
  return out;
}

/** `n` requests from `pod`, then `n` more once the first batch was all `want` (the proxies have synced). */
async function allReach(c: MatrixCluster, pod: string, url: string, want: string, n = 6): Promise<void> {
  await eventually(`${n} requests from ${pod} to ${url} all answered by ${want}`, () => {
    const got = answers(c.inPod(pod, curlTimes(n, url)).stdout);
    return got.length === n && got.every((a) => a === want);
  }, 20_000, 300);
  const got = answers(c.inPod(pod, curlTimes(n, url)).stdout);
  assert.deepEqual(got, Array(n).fill(want), `every request from ${pod} to ${url} should reach ${want}`);
}

function phaseOneTests(c: MatrixCluster, expect: ModeExpectations): void {
  it('terminating endpoint: deleted, it stays serving and terminating in its EndpointSlice', async () => {
    await succeeds('term-a serving', () => c.inPod('client2', curl(`http://${c.podIP('term-a')}:8080/hostname`)));
    c.kubectl.ok(['delete', 'pod', 'term-a', '--wait=false']);
    const cond = await eventually('term-a terminating in the slice of term', () => {
      const e = sliceEndpoints(c, 'term').get('term-a');
      return e?.terminating === true ? e : undefined;
    }, 20_000, 200);
    assert.deepEqual(cond, { ready: false, serving: true, terminating: true }, 'a terminating pod that still runs is serving, not ready');
  });

  it(`terminating endpoint, one ready elsewhere: Cluster policy ignores it${expect.terminatingFallback ? ', Local policy on its node uses it' : ''}`, async () => {
    await allReach(c, 'client1', 'http://term/hostname', 'term-b');
    await allReach(c, 'client2', 'http://term/hostname', 'term-b');
    if (!expect.terminatingFallback) return;
    if (expect.internalTrafficPolicyLocal) {
      await allReach(c, 'client2', 'http://term-local/hostname', 'term-a');
      await allReach(c, 'client1', 'http://term-local/hostname', 'term-b');
    }
    if (expect.externalTrafficPolicyLocal) {
      const port = c.nodePort('term-local');
      const out = await succeeds('term-local NodePort on node2', () => {
        const r = c.onHost('outside', curl(`http://${NODE_IPS.node2}:${port}/clientip`));
        return { ...r, status: sourceOf(r.stdout) === OUTSIDE_IP ? r.status : 1 };
      });
      assert.equal(sourceOf(out), OUTSIDE_IP, 'eTP Local on node2 uses the local terminating endpoint, client IP preserved');
      assert.equal(c.onHost('outside', curl(`http://${NODE_IPS.node1}:${port}/hostname`)).stdout.trim(), 'term-b', 'node1 has its own ready endpoint');
    }
  });
}

function phaseTwoTests(c: MatrixCluster, expect: ModeExpectations): void {
  it(`terminating endpoint, none ready anywhere: ${expect.terminatingFallback ? 'Cluster policy falls back to it; nodes without local endpoints drop' : 'never used'}`, async () => {
    c.kubectl.ok(['delete', 'pod', 'term-b', '--timeout=30s']);
    await eventually('only term-a left in the slice of term', () => {
      const eps = sliceEndpoints(c, 'term');
      return eps.size === 1 && eps.get('term-a')?.serving === true;
    }, 20_000, 200);
    if (!expect.terminatingFallback) {
      await eventually('term without usable endpoints', () => c.inPod('client1', curl('http://term/hostname')).status !== 0, 20_000, 300);
      return;
    }
    await allReach(c, 'client1', 'http://term/hostname', 'term-a');
    await allReach(c, 'client2', 'http://term/hostname', 'term-a');
    // node1 has synced (it sends Cluster traffic to term-a); it has no local endpoint at all.
    if (expect.internalTrafficPolicyLocal) assertDropped(c.inPod('client1', curl('http://term-local/hostname')), 'term-local (iTP Local) from node1');
    if (expect.externalTrafficPolicyLocal) {
      const port = c.nodePort('term-local');
      assertDropped(c.onHost('outside', curl(`http://${NODE_IPS.node1}:${port}/hostname`)), 'term-local\'s NodePort on node1 (eTP Local)');
      assert.equal(c.onHost('outside', curl(`http://${NODE_IPS.node2}:${port}/hostname`)).stdout.trim(), 'term-a', 'node2 still serves from term-a');
    }
  });
}

export function terminatingTests(c: MatrixCluster, expect: ModeExpectations): void {
  phaseOneTests(c, expect);
  phaseTwoTests(c, expect);
}
