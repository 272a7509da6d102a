/**
 * The Service matrix (issue 4 item 10): every Service shape and traffic policy on one real
 * 2-node cluster in one proxy mode, reached from a pod, from a node, from the outside host
 * (NodePort on every node, LoadBalancer IP, externalIP) and across nodes. Each e2e file calls
 * `serviceMatrix(mode, expectations)`; the expectations say honestly what that mode does, and
 * the tests assert that behaviour (a mode that ignores a policy is checked for ignoring it).
 */
import { describe, before, after } from 'node:test';
import { MatrixCluster, type MatrixMode } from './service-matrix-cluster.js';
import { LB_POOL, MATRIX_MANIFESTS } from './service-matrix-manifests.js';
import { shapeTests } from './service-matrix-shapes.js';
import { policyTests } from './service-matrix-policies.js';
import { terminatingTests } from './service-matrix-terminating.js';

export { MatrixCluster, type MatrixMode } from './service-matrix-cluster.js';

/** What a proxy mode does where the modes differ. */
export interface ModeExpectations {
  /**
   * The source a server sees for pod → ClusterIP: `pod`, the client pod's own IP (kube-proxy's
   * NAT modes do not masquerade in-cluster sources); `node`, an address of the client's node
   * (userspace: the proxy itself opens the connection).
   */
  podSource: 'pod' | 'node';
  /**
   * externalTrafficPolicy Local honoured: only nodes with a local endpoint serve NodePort / LB
   * traffic (others DROP) and the client IP is preserved. False: every node serves, the server
   * sees the node (upstream's userspace proxier ignored the policy).
   */
  externalTrafficPolicyLocal: boolean;
  /** internalTrafficPolicy Local honoured (ClusterIP traffic from a node without a local endpoint is dropped). */
  internalTrafficPolicyLocal: boolean;
  /** loadBalancerSourceRanges enforced (a pod outside the ranges is dropped). */
  loadBalancerSourceRanges: boolean;
  /**
   * Terminating-but-serving endpoints used as kube-proxy does (pkg/proxy/topology.go): Cluster
   * policy only when no endpoint is ready anywhere, Local policy when no local one is ready.
   * False: never used.
   */
  terminatingFallback: boolean;
  /**
   * A Service without endpoints: `refused` (REJECT: RST / ICMP port unreachable, curl exit 7),
   * or `closed` (the proxy accepts and closes: curl exit 52 or 56).
   */
  noEndpoints: 'refused' | 'closed';
  /** SCTP is DNATed to an endpoint (false: not proxied at all). */
  sctp: boolean;
  /** A NodePort answers on 127.0.0.1 from the node itself (iptables.localhostNodePorts). */
  localhostNodePorts: boolean;
}

/** kube-proxy's iptables and nftables modes: every policy honoured, nothing masqueraded in-cluster. */
export const KUBE_PROXY_EXPECTATIONS: Omit<ModeExpectations, 'localhostNodePorts'> = {
  podSource: 'pod',
  externalTrafficPolicyLocal: true,
  internalTrafficPolicyLocal: true,
  loadBalancerSourceRanges: true,
  terminatingFallback: true,
  noEndpoints: 'refused',
  sctp: true,
};

/**
 * Registers the matrix as one describe block (one cluster, everything applied at once).
 * `extra(cluster)` registers mode-specific tests inside the same block, after the matrix's.
 */
export function serviceMatrix(mode: MatrixMode, expect: ModeExpectations, extra?: (c: MatrixCluster) => void): void {
  const c = new MatrixCluster(mode, mode[0]);
  describe(`every Service shape and policy, end to end (${mode} mode)`, { timeout: 180_000 }, () => {
    before(() => {
      c.up(LB_POOL);
      c.kubectl.ok(['apply', '-f', '-'], MATRIX_MANIFESTS);
      c.kubectl.ok(['wait', '--for=condition=Ready', 'pod', '--all', '--timeout=90s']);
    });
    after(() => c.down());

    shapeTests(c, expect);
    policyTests(c, expect);
    terminatingTests(c, expect);
    extra?.(c);
  });
}
