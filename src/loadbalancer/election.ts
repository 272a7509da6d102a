/**
 * Which node announces a load-balancer address on the node network (MetalLB's layer-2 mode):
 * exactly one node answers ARP for it. Every speaker decides alone from the same API objects,
 * so they agree without talking to each other.
 *
 * Candidates (nodeQualifies): Ready (podnet's stand-in for MetalLB's memberlist liveness: the
 * agent's heartbeat), not labelled node.kubernetes.io/exclude-from-external-load-balancers (both
 * MetalLB and the service controller honour it), not NetworkUnavailable (MetalLB), not being
 * deleted and not tainted ToBeDeletedByClusterAutoscaler (the service controller). A cordoned
 * node still qualifies, as upstream (cordon only stops scheduling). With externalTrafficPolicy
 * Local only candidates holding a ready endpoint qualify (traffic must not leave the node, so
 * the client IP survives). Among the candidates MetalLB's order decides: the lowest
 * sha256(node + "#" + ip), which spreads addresses over the nodes.
 */
import { createHash } from 'node:crypto';
import type { EndpointSlice, Node, Service } from '../api/types.js';
import { LOAD_BALANCER_CLASS } from './service-lb-controller.js';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const EXCLUDE_LB_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';
export const TO_BE_DELETED_TAINT = 'ToBeDeletedByClusterAutoscaler';

const conditionTrue = (n: Node, type: string): boolean => (n.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');

/** Whether a node may announce load-balancer addresses at all. */
export function nodeQualifies(n: Node): boolean {
  if (n.metadata?.deletionTimestamp) return false;
  if (n.metadata?.labels?.[EXCLUDE_LB_LABEL] !== undefined) return false;
  if ((n.spec?.taints ?? []).some((t) => t.key === TO_BE_DELETED_TAINT)) return false;
  return conditionTrue(n, 'Ready') && !conditionTrue(n, 'NetworkUnavailable');
}

/** Load-balancer addresses of a Service this implementation announces (ipMode Proxy: the LB proxies). */
export function announcedIPs(svc: Service): string[] {
  if (svc.spec?.type !== 'LoadBalancer') return [];
  const cls = svc.spec.loadBalancerClass;
  if (cls !== undefined && cls !== LOAD_BALANCER_CLASS) return [];
  return (svc.status?.loadBalancer?.ingress ?? []).filter((i) => i.ipMode !== 'Proxy').map((i) => i.ip ?? '').filter(Boolean);
}

/** Nodes with a ready endpoint of the Service (nil `ready` means ready, as in EndpointSlices). */
export function nodesWithReadyEndpoints(svc: Service, slices: readonly EndpointSlice[]): Set<string> {
  const out = new Set<string>();
  for (const s of slices) {
    if (s.metadata?.namespace !== svc.metadata?.namespace || s.metadata?.labels?.[SERVICE_NAME_LABEL] !== svc.metadata?.name) continue;
    for (const ep of s.endpoints ?? []) {
      if (ep.nodeName && ep.conditions?.ready !== false) out.add(ep.nodeName);
    }
  }
  return out;
}

/** The nodes that may announce this Service's addresses. */
export function candidateNodes(svc: Service, slices: readonly EndpointSlice[], nodes: readonly Node[]): string[] {
  let candidates = nodes.filter(nodeQualifies).map((n) => n.metadata?.name ?? '');
  if (svc.spec?.externalTrafficPolicy === 'Local') {
    const local = nodesWithReadyEndpoints(svc, slices);
    candidates = candidates.filter((n) => local.has(n));
  }
  return candidates;
}

const rank = (node: string, ip: string): string => createHash('sha256').update(`${node}#${ip}`).digest('hex');

/** MetalLB's choice among candidates for one address: the lowest sha256(node#ip). */
export function electFor(ip: string, candidates: readonly string[]): string | undefined {
  let best: { node: string; r: string } | undefined;
  for (const node of candidates) {
    const r = rank(node, ip);
    if (!best || r < best.r) best = { node, r };
  }
  return best?.node;
}

/** The node that announces the Service's (first) address, or undefined when none qualifies. */
export function electedNode(svc: Service, slices: readonly EndpointSlice[], nodes: readonly Node[]): string | undefined {
  const ip = announcedIPs(svc)[0];
  return ip === undefined ? undefined : electFor(ip, candidateNodes(svc, slices, nodes));
}

/** The addresses `nodeName` must announce. */
export function addressesToAnnounce(nodeName: string, services: readonly Service[], slices: readonly EndpointSlice[], nodes: readonly Node[]): string[] {
  const out = new Set<string>();
  for (const svc of services) {
    const ips = announcedIPs(svc);
    if (ips.length === 0) continue;
    const candidates = candidateNodes(svc, slices, nodes);
    for (const ip of ips) if (electFor(ip, candidates) === nodeName) out.add(ip);
  }
  return [...out].sort();
}
