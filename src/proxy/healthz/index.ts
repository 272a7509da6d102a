/** kube-proxy's health server (/healthz, /livez on port 10256 in the node netns). */
export { ProxierHealth, isHealthy, nodeEligible, TO_BE_DELETED_TAINT, type ProxierHealthState } from './proxier-health.js';
export { healthzResponse, livezResponse, goTimeString, type HealthzResponse } from './responses.js';
export { startProxyHealthServer, parseBindAddress, DEFAULT_HEALTHZ_BIND_ADDRESS, type ProxyHealthServer, type ProxyHealthServerOptions } from './healthz-server.js';
