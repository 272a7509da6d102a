/**
 * What one userspace sync computes, apart from doing it (pure, shared by the proxier and the
 * benchmarks): the service ports the socket process serves with their endpoints, and, once it
 * answered with the proxy ports, the portals to write.
 */
import { endpointsKey, type EndpointInfo, type EndpointsMap } from '../endpoints.js';
import type { ServicePortInfo } from '../service-port.js';
import type { Portal } from './portal-rules.js';
import type { ServicePortSpec, SyncResult } from './protocol.js';

export type ProxiedPort = ServicePortInfo & { protocol: 'tcp' | 'udp' };

/** TCP and UDP: upstream's newProxySocket knew no other protocol ("unknown protocol"), nor has Node SCTP sockets. */
export const isProxied = (sp: ServicePortInfo): sp is ProxiedPort => sp.protocol === 'tcp' || sp.protocol === 'udp';

/**
 * The endpoints upstream's userspace proxier balanced over: the ready ones, every one for every
 * client. It read Endpoints' `addresses` (never `notReadyAddresses`, where terminating pods are
 * not even listed), and no traffic policy, topology or terminating fallback.
 */
export const readyEndpoints = (eps: readonly EndpointInfo[]): string[] => eps.filter((e) => e.ready).map((e) => e.endpoint);

/** The socket process's request: each service port with its ready endpoints, affinity and node port. */
export function servicePortSpecs(servicePorts: readonly ProxiedPort[], endpoints: EndpointsMap): ServicePortSpec[] {
  return servicePorts.map((sp) => ({
    key: endpointsKey(sp),
    protocol: sp.protocol,
    stickyMaxAgeSeconds: sp.stickyMaxAgeSeconds,
    nodePort: sp.nodePort,
    endpoints: readyEndpoints(endpoints.get(endpointsKey(sp)) ?? []),
  }));
}

export interface PortalPlan {
  portals: Portal[];
  /** Service ports left without portal (no proxy socket) or without node port rule, with why. */
  failures: { sp: ProxiedPort; error: string }[];
}

/**
 * The portals for the socket process's answer. A service port without a proxy socket gets no
 * portal. As upstream (openNodePort returned before its rules when claimNodePort failed), a node
 * port that cannot be held gets no portal rule: the port belongs to someone else.
 */
export function portalsFor(servicePorts: readonly ProxiedPort[], result: SyncResult): PortalPlan {
  const plan: PortalPlan = { portals: [], failures: [] };
  for (const sp of servicePorts) {
    const key = endpointsKey(sp);
    const proxyPort = result.proxyPorts[key];
    if (proxyPort === undefined) {
      plan.failures.push({ sp, error: result.socketErrors[key] ?? 'the socket process returned no proxy port' });
      continue;
    }
    const error = result.nodePortErrors[key];
    if (error) plan.failures.push({ sp, error });
    plan.portals.push({ sp: error ? { ...sp, nodePort: 0 } : sp, proxyPort });
  }
  return plan;
}
