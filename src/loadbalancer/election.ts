/**
 * Which node announces a load-balancer address on the node network (MetalLB's layer-2 mode):
 * exactly one node answers ARP for it. With externalTrafficPolicy Local only nodes holding a
 * ready endpoint qualify (traffic must not leave the node, so the client IP survives); otherwise
 * any Ready node does. Among the candidates the lowest name wins, so every speaker, deciding
 * alone from the same API objects, agrees without talking to the others.
 */
import type { EndpointSlice, Node, Service } from '../api/types.js';
import { LOAD_BALANCER_CLASS } from './service-lb-controller.js';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export const isNodeReady = (n: Node): boolean =>
  !n.spec?.unschedulable && (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

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

/** The node that announces this Service's addresses, or undefined when none qualifies. */
export function electedNode(svc: Service, slices: readonly EndpointSlice[], nodes: readonly Node[]): string | undefined {
  let candidates = nodes.filter(isNodeReady).map((n) => n.metadata?.name ?? '');
  if (svc.spec?.externalTrafficPolicy === 'Local') {
    const local = nodesWithReadyEndpoints(svc, slices);
    candidates = candidates.filter((n) => local.has(n));
  }
  return candidates.sort()[0];
}

/** The addresses `nodeName` must announce. */
export function addressesToAnnounce(nodeName: string, services: readonly Service[], slices: readonly EndpointSlice[], nodes: readonly Node[]): string[] {
  const out = new Set<string>();
  for (const svc of services) {
    const ips = announcedIPs(svc);
    if (ips.length > 0 && electedNode(svc, slices, nodes) === nodeName) ips.forEach((ip) => out.add(ip));
  }
  return [...out].sort();
}
