/**
 * Service defaulting, as upstream's SetDefaults_Service: type, session affinity, port protocol
 * and targetPort, traffic policies; plus the create half of the strategy's normalizeClusterIPs
 * (a client that sets only clusterIP gets clusterIPs). IP families are set by the apiserver when
 * it allocates.
 */
import type { Service } from '../types.js';

export function defaultService(svc: Service): void {
  const spec = (svc.spec ??= {});
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  for (const p of spec.ports ?? []) {
    p.protocol ??= 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (spec.type !== 'ExternalName') spec.internalTrafficPolicy ??= 'Cluster';
  // Externally accessible Services (node ports, load balancers, external IPs) get a traffic policy.
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer' || (spec.type === 'ClusterIP' && spec.externalIPs?.length)) {
    spec.externalTrafficPolicy ??= 'Cluster';
  }
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (spec.sessionAffinity === 'ClientIP') {
    spec.sessionAffinityConfig ??= { clientIP: { timeoutSeconds: 10800 } };
    spec.sessionAffinityConfig.clientIP ??= { timeoutSeconds: 10800 };
    spec.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
  }
  if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) if (ing.ip) ing.ipMode ??= 'VIP';
}

const needsClusterIP = (svc: Service): boolean => svc.spec?.type !== 'ExternalName';
const sameIPs = (a: string[] | undefined, b: string[] | undefined): boolean => JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

/**
 * The update half of the Service strategy (patchAllocatedValues, normalizeClusterIPs): a write
 * that leaves out allocated IPs keeps them; one that changes only the singular clusterIP moves
 * clusterIPs with it, so validation sees (and refuses) the change in both.
 */
export function normalizeServiceUpdate(next: Service, prev: Service): void {
  dropTypeDependentFields(next, prev);
  const spec = (next.spec ??= {});
  const old = prev.spec ?? {};
  if (needsClusterIP(prev) && needsClusterIP(next)) {
    if (!spec.clusterIP && old.clusterIP) spec.clusterIP = old.clusterIP;
    if (!spec.clusterIPs?.length && old.clusterIPs?.length) {
      if (spec.clusterIP === old.clusterIP) spec.clusterIPs = [...old.clusterIPs];
    }
  }
  if (spec.clusterIP !== old.clusterIP && sameIPs(spec.clusterIPs, old.clusterIPs)) {
    spec.clusterIPs = spec.clusterIP ? [spec.clusterIP] : undefined;
    if (!spec.clusterIPs) delete spec.clusterIPs;
  }
}

const needsNodePort = (svc: Service): boolean => svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer';
const externallyAccessible = (svc: Service): boolean => needsNodePort(svc) || (svc.spec?.type === 'ClusterIP' && (svc.spec.externalIPs ?? []).length > 0);
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * dropTypeDependentFields: when the type changes, fields the old type needed and the client left
 * as they were (often defaulted or allocated) are dropped; fields the client changed stay for
 * validation to judge.
 */
export function dropTypeDependentFields(next: Service, prev: Service): void {
  const spec = (next.spec ??= {});
  const old = prev.spec ?? {};
  if (needsClusterIP(prev) && !needsClusterIP(next)) {
    if (spec.clusterIP === old.clusterIP && sameIPs(spec.clusterIPs, old.clusterIPs)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (same(spec.ipFamilies, old.ipFamilies)) delete spec.ipFamilies;
    if (spec.ipFamilyPolicy === old.ipFamilyPolicy) delete spec.ipFamilyPolicy;
  }
  if (needsNodePort(prev) && !needsNodePort(next)) {
    const oldPorts = (old.ports ?? []).map((p) => p.nodePort ?? 0);
    if (same((spec.ports ?? []).map((p) => p.nodePort ?? 0), oldPorts)) for (const p of spec.ports ?? []) delete p.nodePort;
  }
  if (old.type === 'LoadBalancer' && spec.type !== 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === old.allocateLoadBalancerNodePorts) {
    delete spec.allocateLoadBalancerNodePorts;
  }
  if (externallyAccessible(prev) && !externallyAccessible(next) && spec.externalTrafficPolicy === old.externalTrafficPolicy) {
    delete spec.externalTrafficPolicy;
  }
  if (old.type !== 'ExternalName' && spec.type === 'ExternalName' && spec.internalTrafficPolicy === old.internalTrafficPolicy) {
    delete spec.internalTrafficPolicy;
  }
}
