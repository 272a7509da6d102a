/**
 * The service proxy (kube-proxy). startProxy runs it on a node in one mode (nftables by default,
 * iptables, userspace); renderRuleset / renderIptables and syncProxyRules expose the rules
 * without a kernel.
 */
export { startProxy as startNftablesProxy, Proxier, type Proxy, type ProxyOptions, type ProxierDeps } from './proxier.js';
export { startProxy, parseProxyMode, PROXY_MODES, DEFAULT_PROXY_MODE, type ProxyMode, type ModeProxyOptions } from './mode.js';
export { renderIptables, startIptablesProxy, type IptablesRenderOptions } from './iptables/index.js';
export { renderRuleset, renderRulesetAdds, type RenderOptions } from './render.js';
export { syncProxyRules, partialSyncProxyRules, buildDesiredState, type DesiredState, type ProxyState, type SyncResult } from './sync-proxy-rules.js';
export { Transaction, type NftObject, type Operation } from './transaction.js';
export { buildServicePorts, servicePortsOf, type ServicePortInfo } from './service-port.js';
export { buildEndpointsMap, categorizeEndpoints, type EndpointInfo, type EndpointsMap } from './endpoints.js';
export * from './chain-names.js';
