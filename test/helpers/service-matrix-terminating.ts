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
import { curl, NODE_IPS, OUTSIDE_IP, sourceOf, succeeds, type MatrixCluster } from './service-matrix-cluster.js';
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

/** `n` requests to each URL in one exec; a failed request answers FAIL (the count stays n). */
const requestsTo = (urls: string[], n: number): string =>
  urls.map((url) => `for i in $(seq ${n}); do ${curl(url)} || printf FAIL; echo; done`).join('; ');

/**
 * From `pod`, `n` requests to each URL must all reach its pod: polled until one round is
 * (the proxies have synced), then one more round must be too.
 */
async function allReach(c: MatrixCluster, pod: string, want: Record<string, string>, n = 5): Promise<void> {
  const urls = Object.keys(want);
  const round = (): string[][] => {
    const lines = c.inPod(pod, requestsTo(urls, n)).stdout.split('\n').map((l) => l.trim()).slice(0, urls.length * n);
    return urls.map((_, i) => lines.slice(i * n, (i + 1) * n));
  };
  const expected = urls.map((u) => Array(n).fill(want[u]));
  await eventually(`${n} requests from ${pod} to each of ${JSON.stringify(want)}`, () => {
    const got = round();
    return JSON.stringify(got) === JSON.stringify(expected) || undefined;
  }, 20_000, 300);
  assert.deepEqual(round(), expected, `every request from ${pod} should reach ${JSON.stringify(want)} (URL order)`);
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
    // term-local's ClusterIP has internalTrafficPolicy Local: node2's pod gets its local terminating term-a.
    const itp = expect.terminatingFallback && expect.internalTrafficPolicyLocal;
    await allReach(c, 'client1', { 'http://term/hostname': 'term-b', ...(itp ? { 'http://term-local/hostname': 'term-b' } : {}) });
    await allReach(c, 'client2', { 'http://term/hostname': 'term-b', ...(itp ? { 'http://term-local/hostname': 'term-a' } : {}) });
    if (!expect.terminatingFallback) return;
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
    await allReach(c, 'client1', { 'http://term/hostname': 'term-a' });
    await allReach(c, 'client2', { 'http://term/hostname': 'term-a' });
    // node1 has synced (it sends Cluster traffic to term-a); it has no local endpoint at all.
    const port = c.nodePort('term-local');
    const [internal, external] = await Promise.all([
      expect.internalTrafficPolicyLocal ? c.inPodAsync('client1', curl('http://term-local/hostname')) : undefined,
      expect.externalTrafficPolicyLocal ? c.onHostAsync('outside', curl(`http://${NODE_IPS.node1}:${port}/hostname`)) : undefined,
    ]);
    if (internal) assertDropped(internal, 'term-local (iTP Local) from node1');
    if (external) {
      assertDropped(external, 'term-local\'s NodePort on node1 (eTP Local)');
      assert.equal(c.onHost('outside', curl(`http://${NODE_IPS.node2}:${port}/hostname`)).stdout.trim(), 'term-a', 'node2 still serves from term-a');
    }
  });
}

export function terminatingTests(c: MatrixCluster, expect: ModeExpectations): void {
  phaseOneTests(c, expect);
  phaseTwoTests(c, expect);
}
