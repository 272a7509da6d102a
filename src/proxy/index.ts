/**
 * The service proxy (kube-proxy, nftables mode). startProxy runs it on a node; renderRuleset and
 * syncProxyRules expose the same rules without a kernel.
 */
export { startProxy, Proxier, type Proxy, type ProxyOptions, type ProxierDeps } from './proxier.js';
export { renderRuleset, renderRulesetAdds, type RenderOptions } from './render.js';
export { syncProxyRules, partialSyncProxyRules, buildDesiredState, type DesiredState, type ProxyState, type SyncResult } from './sync-proxy-rules.js';
export { Transaction, type NftObject, type Operation } from './transaction.js';
export { buildServicePorts, servicePortsOf, type ServicePortInfo } from './service-port.js';
export { buildEndpointsMap, categorizeEndpoints, type EndpointInfo, type EndpointsMap } from './endpoints.js';
export * from './chain-names.js';
