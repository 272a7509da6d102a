/**
 * The service proxy's userspace mode: a socket process in the node's netns forwards each service
 * port's connections to its endpoints (round robin, ClientIP affinity, retry on connect failure);
 * nft redirects service IPs and node ports to it.
 */
export { startUserspaceProxy, UserspaceProxier, type UserspaceProxyOptions } from './proxier.js';
export { LoadBalancerRR, MissingEndpointsError, type LoadBalancerDeps } from './load-balancer.js';
export { renderPortalRules, renderPortalCleanup, USERSPACE_TABLE, type Portal } from './portal-rules.js';
export { ENDPOINT_DIAL_TIMEOUTS_MS } from './proxy-socket.js';
export { DEFAULT_UDP_IDLE_TIMEOUT_MS } from './udp-proxy-socket.js';
export type { ServicePortSpec, SyncResult } from './protocol.js';
export { SocketProcessClient } from './socket-process-client.js';
export { isProxied, portalsFor, readyEndpoints, servicePortSpecs, type PortalPlan, type ProxiedPort } from './sync-plan.js';
